"""The games and their optimizers against independent step-by-step references and closed forms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.games import (
    BILINEAR_JACOBIAN,
    BLOW_UP,
    LOSSES,
    METHODS,
    REGULARIZERS,
    UNDECIDED,
    altgd_invariant,
    clips_psi,
    dirac_eigenvalues,
    dirac_field,
    dirac_jacobian,
    dirac_local_factor,
    dirac_prediction,
    flow_energy_rate,
    flow_path,
    growth_factor,
    measured_behaviour,
    measured_factor,
    predicted_behaviour,
    simulate,
    simulate_many,
    spectral_radius,
    stability_range,
    update_matrix,
)

ONE_STEP_EXACT = ("simgd", "extragradient", "consensus")  # ‖z‖ scales by ρ at every step
TWO_STEP = ("optimistic", "momentum", "altmomentum")


# ----------------------------------------------------------------------------- references


def reference_run(F, method, eta, steps, z0, gamma=1.0, beta=-0.5, clip=None):
    """The update rules of the issue, written out again with numpy 2-vectors."""

    def proj(z):
        if clip is not None:
            z = np.array([z[0], min(max(z[1], -clip), clip)])
        return z

    z = np.array(z0, dtype=float)
    z_prev = z.copy()
    F_prev = F(z)
    rows = [z.copy()]
    for _ in range(steps):
        if method == "simgd":
            z_new = proj(z - eta * F(z))
        elif method == "altgd":
            a = z[0] - eta * F(z)[0]
            b = z[1] - eta * F(np.array([a, z[1]]))[1]
            z_new = proj(np.array([a, b]))
        elif method == "extragradient":
            z_half = proj(z - eta * F(z))
            z_new = proj(z - eta * F(z_half))
        elif method == "optimistic":
            Fz = F(z)
            z_new = proj(z - 2 * eta * Fz + eta * F_prev)
            F_prev = Fz
        elif method == "consensus":
            h = 1e-6  # ∇½‖F‖² by central differences would not reach 1e-12: use ∂Fᵀ F exactly
            J = reference_jacobian(F, z, h)
            z_new = proj(z - eta * (F(z) + gamma * J.T @ F(z)))
        elif method == "momentum":
            z_new = proj(z - eta * F(z) + beta * (z - z_prev))
        elif method == "altmomentum":
            a = z[0] - eta * F(z)[0] + beta * (z[0] - z_prev[0])
            b = z[1] - eta * F(np.array([a, z[1]]))[1] + beta * (z[1] - z_prev[1])
            z_new = proj(np.array([a, b]))
        else:
            raise AssertionError(method)
        z_prev, z = z, z_new
        rows.append(z.copy())
    return np.array(rows)


def bilinear_F(z):
    return np.array([z[1], -z[0]])


def reference_jacobian(F, z, h=1e-6):
    if F is bilinear_F:
        return BILINEAR_JACOBIAN
    raise AssertionError("only the bilinear reference uses consensus")


def dirac_F(loss, regularizer, reg_gamma):
    """The Dirac-GAN field without noise, from the formulas of Mescheder et al. 2018."""

    def fprime(t):  # f(t) = −log(1 + e^{−t})  →  f'(t) = 1 / (1 + e^t)
        return 1.0 if loss == "wgan" else 1.0 / (1.0 + np.exp(t))

    def F(z):
        theta, psi = z
        if loss == "ns-gan":
            g_theta = psi * fprime(-psi * theta)
        else:
            g_theta = psi * fprime(psi * theta)
        g_psi = -theta * fprime(psi * theta)
        if regularizer == "r1":
            g_psi += reg_gamma * psi
        elif regularizer == "wgan-gp":
            g_psi += reg_gamma * (abs(psi) - 1.0) * np.sign(psi)
        return np.array([g_theta, g_psi])

    return F


def assert_rows_close(traj, ref, rtol):
    """Row-wise relative agreement on the finite prefix; NaN only after the reference blew up."""
    finite = np.isfinite(traj).all(axis=1)
    n = int(finite.sum())
    assert finite[:n].all()
    if n < len(traj):
        assert np.linalg.norm(ref[n - 1]) > BLOW_UP
    norms = np.maximum(np.linalg.norm(ref[:n], axis=1), 1e-300)
    err = np.linalg.norm(traj[:n] - ref[:n], axis=1) / norms
    assert np.all(err <= rtol), f"max relative error {err.max():.3g}"


# ----------------------------------------------------------------------------- exact rules


@pytest.mark.parametrize("method", [m for m in METHODS if m != "flow"])
def test_bilinear_trajectory_matches_step_by_step_rule(method):
    rng = np.random.default_rng(sum(map(ord, method)))
    for _ in range(4):
        z0 = rng.normal(size=2)
        eta = float(rng.uniform(0.02, 0.6))
        gamma = float(rng.uniform(0.1, 2.0))
        beta = float(rng.uniform(-0.9, 0.5))
        traj = simulate("bilinear", method, eta, 300, z0, gamma=gamma, beta=beta)
        ref = reference_run(bilinear_F, method, eta, 300, z0, gamma=gamma, beta=beta)
        assert traj.shape == (301, 2)
        assert np.array_equal(traj[0], z0)
        assert_rows_close(traj, ref, 1e-12)


def test_bilinear_rules_spelled_out_for_the_first_step():
    a, b, eta = 0.7, -0.4, 0.3
    s = simulate("bilinear", "simgd", eta, 1, (a, b))[1]
    assert s == pytest.approx([a - eta * b, b + eta * a], rel=1e-15)
    al = simulate("bilinear", "altgd", eta, 1, (a, b))[1]
    a2 = a - eta * b
    assert al == pytest.approx([a2, b + eta * a2], rel=1e-15)


def test_flow_is_the_exact_rotation_and_keeps_the_norm():
    rng = np.random.default_rng(1)
    for _ in range(5):
        z0 = rng.normal(size=2)
        eta = float(rng.uniform(0.01, 3.0))
        traj = simulate("bilinear", "flow", eta, 2000, z0)
        norms = np.linalg.norm(traj, axis=1)
        np.testing.assert_allclose(norms, np.linalg.norm(z0), rtol=1e-12)
        t = eta * 37
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        np.testing.assert_allclose(traj[37], rot @ z0, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("regularizer", ["none", "r1", "wgan-gp"])
def test_dirac_trajectories_match_step_by_step_rule(loss, regularizer):
    F = dirac_F(loss, regularizer, 0.8)
    rng = np.random.default_rng(7)
    clip = 0.9 if clips_psi(loss, regularizer) else None  # WGAN-GP does not clip
    for method in ("simgd", "altgd", "extragradient", "optimistic", "momentum", "altmomentum"):
        z0 = rng.uniform(-1.5, 1.5, size=2)
        eta = float(rng.uniform(0.05, 0.5))
        traj = simulate(
            "dirac",
            method,
            eta,
            200,
            z0,
            loss=loss,
            regularizer=regularizer,
            reg_gamma=0.8,
            clip=0.9,
            beta=-0.3,
        )
        ref = reference_run(F, method, eta, 200, z0, beta=-0.3, clip=clip)
        # the first row is the start even where it lies outside the clip box
        assert_rows_close(traj, ref, 1e-12)


def test_dirac_consensus_uses_the_exact_jacobian():
    field = dirac_field("gan", "r1", reg_gamma=0.5)
    rng = np.random.default_rng(3)
    z = rng.normal(size=2)
    F = dirac_F("gan", "r1", 0.5)
    h = 1e-6
    J = np.stack(
        [(F(z + [h, 0]) - F(z - [h, 0])) / (2 * h), (F(z + [0, h]) - F(z - [0, h])) / (2 * h)],
        axis=1,
    )
    eta, gamma = 0.2, 0.7
    expected = z - eta * (F(z) + gamma * J.T @ F(z))
    got = simulate("dirac", "consensus", eta, 1, z, gamma=gamma, regularizer="r1", reg_gamma=0.5)
    np.testing.assert_allclose(got[1], expected, rtol=1e-8)
    assert np.array(field.jacobian(*z)).reshape(2, 2) == pytest.approx(J, rel=1e-7, abs=1e-9)


def test_dirac_flow_stays_on_its_circle_without_regularizer():
    # v = f'(ψθ)(−ψ, θ) is a rotation field scaled by a positive number: θ² + ψ² is conserved.
    traj = simulate("dirac", "flow", 0.1, 1000, (1.0, 0.5), loss="gan")
    r = np.linalg.norm(traj, axis=1)
    np.testing.assert_allclose(r, r[0], rtol=1e-6)


# ----------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("method", METHODS)
def test_closed_form_factor_is_the_spectral_radius_of_the_update(method):
    rng = np.random.default_rng(11)
    for _ in range(20):
        eta = float(rng.uniform(0.01, 3.0))
        gamma = float(rng.uniform(0.0, 3.0))
        beta = float(rng.uniform(-0.95, 0.95))
        M = update_matrix(method, BILINEAR_JACOBIAN, eta, gamma, beta)
        assert growth_factor(method, eta, gamma, beta) == pytest.approx(
            spectral_radius(M), rel=1e-9
        )


@pytest.mark.parametrize("method", ONE_STEP_EXACT)
def test_measured_factor_matches_closed_form_every_step(method):
    rng = np.random.default_rng(5)
    for _ in range(5):
        eta = float(rng.uniform(0.05, 1.3))
        gamma = float(rng.uniform(0.2, 2.0))
        z0 = rng.normal(size=2)
        traj = simulate("bilinear", method, eta, 200, z0, gamma=gamma)
        rho = growth_factor(method, eta, gamma)
        norms = np.linalg.norm(traj, axis=1)
        finite = np.isfinite(norms) & (norms > 1e-200)
        ratios = norms[1:][finite[1:] & finite[:-1]] / norms[:-1][finite[1:] & finite[:-1]]
        np.testing.assert_allclose(ratios, rho, rtol=1e-9)
        assert measured_factor(traj) == pytest.approx(rho, rel=1e-9)


@pytest.mark.parametrize(
    ("method", "eta", "beta", "rtol"),
    [
        ("optimistic", 0.2, 0.0, 1e-9),
        ("optimistic", 0.45, 0.0, 1e-9),
        ("optimistic", 0.8, 0.0, 1e-9),
        ("momentum", 0.3, -0.5, 1e-9),
        ("momentum", 0.5, 0.4, 1e-9),
        ("altmomentum", 0.1, -0.5, 1e-5),
        ("altmomentum", 0.7, -0.5, 1e-4),
        ("altmomentum", 1.6, -0.3, 1e-4),
    ],
)
def test_two_step_methods_approach_the_spectral_radius(method, eta, beta, rtol):
    # ‖z_t‖ = |c₁λ₁ᵗ + c₂λ₂ᵗ| (complex-linear) → |c₁| ρᵗ; the transient dies like |λ₂/λ₁|ᵗ.
    # altmomentum is a real, non-normal 4-D map: ‖z_t‖ = ρᵗ × a bounded periodic wobble, so the
    # least-squares slope over a window of W steps is off by about log(wobble)/W: 1e-4 when the
    # run reaches the 1e-13 floor within a few hundred steps, 1e-5 over 1,500 steps.
    rho = growth_factor(method, eta, beta=beta)
    traj = simulate("bilinear", method, eta, 3000, (0.6, -0.8), beta=beta)
    assert measured_factor(traj, tail=0.5) == pytest.approx(rho, rel=rtol)


@pytest.mark.parametrize("eta", [0.05, 0.5, 1.0, 1.5, 1.9, 1.99])
def test_altgd_conserves_its_quadratic_form(eta):
    rng = np.random.default_rng(int(eta * 100))
    z0 = rng.normal(size=2)
    traj = simulate("bilinear", "altgd", eta, 2000, z0)
    H = altgd_invariant(traj, eta)
    np.testing.assert_allclose(H, H[0], rtol=1e-9)
    assert np.all(np.linalg.norm(traj, axis=1) < 1e3)  # bounded: a closed orbit
    # ‖z‖ itself is not conserved for η > 0 (the orbit is a tilted ellipse)
    assert np.ptp(np.linalg.norm(traj, axis=1)) > 1e-3 * eta


def test_altgd_diverges_beyond_two():
    traj = simulate("bilinear", "altgd", 2.2, 500, (0.3, 0.4))
    assert measured_behaviour(traj) == "diverges"
    assert measured_factor(traj) == pytest.approx(growth_factor("altgd", 2.2), rel=1e-6)


def _final_ratio(method, eta, gamma=1.0, beta=-0.5, steps=4000):
    traj = simulate("bilinear", method, eta, steps, (0.6, 0.8), gamma=gamma, beta=beta)
    last = np.linalg.norm(traj[-1])
    return math.inf if not np.isfinite(last) else last


@pytest.mark.parametrize(
    ("method", "gamma", "beta"),
    [
        ("altgd", 1.0, -0.5),
        ("extragradient", 1.0, -0.5),
        ("optimistic", 1.0, -0.5),
        ("consensus", 0.5, -0.5),
        ("consensus", 2.0, -0.5),
        ("altmomentum", 1.0, -0.5),
        ("altmomentum", 1.0, -0.8),
        ("altmomentum", 1.0, -0.2),
    ],
)
def test_stability_ranges_hold(method, gamma, beta):
    rng_ = stability_range(method, gamma=gamma, beta=beta)
    assert rng_ is not None
    for frac in (0.1, 0.5, 0.9):
        eta = frac * rng_.hi
        assert predicted_behaviour(method, eta, gamma, beta)[1] == rng_.inside
        end = _final_ratio(method, eta, gamma, beta)
        if rng_.inside == "converges":
            assert end < 1.0  # started at ‖z‖ = 1
        else:
            assert end < 100.0
    for frac in (1.1, 1.5):
        eta = frac * rng_.hi
        assert predicted_behaviour(method, eta, gamma, beta)[1] == "diverges"
        assert _final_ratio(method, eta, gamma, beta) > 1e3


@pytest.mark.parametrize(
    ("method", "beta"),
    [("simgd", 0.0), ("momentum", -0.5), ("momentum", 0.5), ("altmomentum", 0.3)],
)
def test_methods_without_a_stable_range_diverge(method, beta):
    assert stability_range(method, beta=beta) is None
    for eta in (0.05, 0.3, 1.0):
        rho, verdict = predicted_behaviour(method, eta, beta=beta)
        assert rho > 1.0 and verdict == "diverges"
        traj = simulate("bilinear", method, eta, 3000, (0.6, 0.8), beta=beta)
        assert measured_factor(traj) > 1.0


def test_flow_and_consensus_edge_cases():
    assert stability_range("flow").inside == "cycles"
    assert stability_range("consensus", gamma=0.0) is None
    assert growth_factor("consensus", 0.3, gamma=0.0) == pytest.approx(growth_factor("simgd", 0.3))
    assert growth_factor("altmomentum", 0.7, beta=0.0) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("eta", [0.1, 0.4, 0.9])
def test_measured_behaviour_agrees_with_the_prediction(method, eta):
    traj = simulate("bilinear", method, eta, 1000, (0.8, 0.6), gamma=1.0, beta=-0.5)
    assert measured_behaviour(traj) == predicted_behaviour(method, eta, 1.0, -0.5)[1]


# ----------------------------------------------------------------------------- blow-ups


def test_divergent_runs_stop_cleanly_with_nan_padding():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            traj = simulate("bilinear", "simgd", 2.0, 1000, (1.0, 1.0))
            many = simulate_many("dirac", METHODS, 3.0, 1000, (2.0, 2.0), loss="wgan", clip=1e6)
    norms = np.linalg.norm(traj, axis=1)
    finite = np.isfinite(norms)
    n = int(finite.sum())
    assert finite[:n].all() and not finite[n:].any()  # a finite prefix, then NaN
    assert norms[n - 1] > BLOW_UP and np.all(norms[: n - 1] <= BLOW_UP)
    assert measured_factor(traj) == pytest.approx(math.sqrt(5.0), rel=1e-9)
    assert measured_behaviour(traj) == "diverges"
    for t in many.values():
        assert t.shape == (1001, 2)


def test_start_at_the_equilibrium_stays_there():
    traj = simulate("bilinear", "simgd", 0.3, 10, (0.0, 0.0))
    assert np.all(traj == 0.0)
    assert math.isnan(measured_factor(traj))
    assert measured_behaviour(traj) == "at equilibrium"


def test_fast_convergence_below_the_smallest_float_is_converges():
    traj = simulate("bilinear", "consensus", 0.9, 5000, (1.0, 0.0), gamma=1.1)
    assert measured_behaviour(traj) == "converges"


# ----------------------------------------------------------------------------- Dirac-GAN


def numerical_jacobian(field, z, h=1e-6):
    def F(p):
        return np.array(field.grad(float(p[0]), float(p[1])))

    cols = [(F(z + e) - F(z - e)) / (2 * h) for e in (np.array([h, 0.0]), np.array([0.0, h]))]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("regularizer", ["none", "r1", "noise"])
def test_dirac_numerical_jacobian_matches_closed_form_eigenvalues(loss, regularizer):
    for reg_gamma, sigma in ((0.3, 0.4), (1.0, 1.0), (2.5, 1.7)):
        field = dirac_field(loss, regularizer, reg_gamma=reg_gamma, sigma=sigma)
        Jv = -numerical_jacobian(field, np.zeros(2))  # ∂v with v = −F, the paper's convention
        closed = dirac_jacobian(loss, regularizer, reg_gamma, sigma)
        np.testing.assert_allclose(Jv, closed, atol=1e-8)
        ev = np.sort_complex(np.linalg.eigvals(Jv))
        ev_closed = np.sort_complex(dirac_eigenvalues(loss, regularizer, reg_gamma, sigma))
        np.testing.assert_allclose(ev, ev_closed, atol=1e-6)


def test_dirac_eigenvalues_follow_the_paper():
    assert dirac_eigenvalues("gan", "none") == pytest.approx([0.5j, -0.5j])
    g = 0.6
    lam = -g / 2 + np.sqrt(complex(g * g / 4 - 0.25))
    assert dirac_eigenvalues("gan", "r1", reg_gamma=g)[0] == pytest.approx(lam)
    s = 0.7
    lam = -0.25 * s**2 + np.sqrt(complex(0.0625 * s**4 - 0.25))
    assert dirac_eigenvalues("ns-gan", "noise", sigma=s)[0] == pytest.approx(lam)
    assert dirac_eigenvalues("wgan", "noise", sigma=s) == pytest.approx([1j, -1j])
    assert dirac_eigenvalues("gan", "wgan-gp") is None


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("regularizer", REGULARIZERS)
def test_dirac_analytic_jacobian_matches_finite_differences(loss, regularizer):
    field = dirac_field(loss, regularizer, reg_gamma=0.7, sigma=0.6)
    rng = np.random.default_rng(2)
    for _ in range(5):
        z = rng.uniform(-2, 2, size=2)
        J = np.array(field.jacobian(float(z[0]), float(z[1]))).reshape(2, 2)
        np.testing.assert_allclose(J, numerical_jacobian(field, z), atol=1e-7)


def test_instance_noise_expectation_is_accurate():
    # against a 300-node Gauss–Hermite reference of E[f'(ψ(θ+ε))] and E[(θ+ε) f'(ψ(θ+ε))]
    x, w = np.polynomial.hermite_e.hermegauss(300)
    w = w / w.sum()
    sigma = 0.5
    field = dirac_field("gan", "noise", sigma=sigma)
    for theta, psi in ((0.3, 0.7), (-1.2, 1.5), (2.0, -2.0)):
        eps = sigma * x
        u = theta + eps
        fp = 1.0 / (1.0 + np.exp(psi * u))
        fp_real = 1.0 / (1.0 + np.exp(-psi * eps))
        g_theta = psi * np.dot(w, fp)
        g_psi = -(np.dot(w, u * fp) - np.dot(w, eps * fp_real))
        assert field.grad(theta, psi) == pytest.approx((g_theta, g_psi), abs=1e-7)


def test_r1_converges_and_unregularized_simultaneous_gd_does_not():
    start = (1.0, 1.0)
    for gamma in (0.3, 1.0, 3.0):
        traj = simulate("dirac", "simgd", 0.1, 3000, start, regularizer="r1", reg_gamma=gamma)
        assert np.linalg.norm(traj[-1]) < 1e-3
        assert measured_behaviour(traj) == "converges"
        assert dirac_local_factor("simgd", 0.1, regularizer="r1", reg_gamma=gamma) < 1.0
    # saturating GAN: spirals out until f'(ψθ) saturates, then stalls far from the equilibrium
    traj = simulate("dirac", "simgd", 0.1, 3000, start, loss="gan")
    norms = np.linalg.norm(traj, axis=1)
    assert norms[-1] >= norms[0] and norms.min() >= 0.99 * norms[0]
    assert measured_behaviour(traj) != "converges"
    # non-saturating GAN: drifts inwards but settles on a cycle, never reaching (0, 0)
    traj = simulate("dirac", "simgd", 0.1, 3000, start, loss="ns-gan")
    assert np.linalg.norm(traj[-1]) > 0.3
    assert measured_behaviour(traj) != "converges"
    for loss in ("gan", "ns-gan"):  # locally: |1 + ηλ| = √(1 + η²/4) > 1 with λ = ±i/2
        assert dirac_local_factor("simgd", 0.1, loss=loss) == pytest.approx(math.sqrt(1 + 0.01 / 4))


def test_instance_noise_converges_for_gan_but_not_for_wgan():
    traj = simulate("dirac", "simgd", 0.1, 4000, (0.5, 0.5), regularizer="noise", sigma=1.0)
    assert measured_behaviour(traj) == "converges"
    traj = simulate("dirac", "simgd", 0.1, 2000, (0.5, 0.5), loss="wgan", regularizer="noise")
    assert measured_behaviour(traj) != "converges"  # f'' = 0: noise changes nothing


def test_wgan_clipping_bounds_psi():
    traj = simulate("dirac", "simgd", 0.2, 500, (1.5, 0.2), loss="wgan", clip=0.3)
    assert np.all(np.abs(traj[1:, 1]) <= 0.3 + 1e-15)
    traj = simulate("dirac", "flow", 0.2, 200, (1.5, 0.2), loss="wgan", clip=0.3)
    assert np.all(np.abs(traj[1:, 1]) <= 0.3 + 1e-15)
    # WGAN with clipping does not converge either (Mescheder et al. 2018)
    assert (
        measured_behaviour(
            simulate("dirac", "simgd", 0.05, 2000, (1.5, 0.2), loss="wgan", clip=0.3)
        )
        != "converges"
    )


@pytest.mark.parametrize("method", METHODS)
def test_dirac_update_matrix_is_the_linearized_simulator(method):
    # Near (0, 0) the nonlinear terms are O(‖z‖²): the run must follow M^k z₀ (two-step methods:
    # the 4×4 companion on (z, z_prev) with z_prev = z₀), so ρ(M) is the local per-step factor.
    kw = dict(regularizer="r1", reg_gamma=0.5)
    A = -dirac_jacobian("gan", "r1", 0.5)
    M = update_matrix(method, A, 0.2, 1.0, -0.5)
    z0 = np.array([1e-5, -1e-5])
    state = np.concatenate([z0, z0]) if M.shape == (4, 4) else z0.copy()
    traj = simulate("dirac", method, 0.2, 60, z0, gamma=1.0, beta=-0.5, **kw)
    for k in range(1, 61):
        state = M @ state
        np.testing.assert_allclose(traj[k], state[:2], rtol=1e-4, atol=1e-4 * np.abs(z0).max())
    rho = dirac_local_factor(method, 0.2, gamma=1.0, beta=-0.5, **kw)
    assert rho == pytest.approx(spectral_radius(M)) and rho < 1.0
    long = simulate("dirac", method, 0.2, 2000, (0.3, 0.3), gamma=1.0, beta=-0.5, **kw)
    assert measured_behaviour(long) == "converges"


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        (("chess", "simgd", 0.1, 10, (1, 1)), {}, "unknown game"),
        (("bilinear", "adam", 0.1, 10, (1, 1)), {}, "unknown method"),
        (("dirac", "simgd", 0.1, 10, (1, 1)), {"loss": "hinge"}, "unknown loss"),
        (("dirac", "simgd", 0.1, 10, (1, 1)), {"regularizer": "r2"}, "unknown regularizer"),
        (("bilinear", "simgd", 0.1, 10, (1, float("nan"))), {}, "start"),
        (("bilinear", "simgd", 0.1, 10, (1, 2, 3)), {}, "start"),
        (("bilinear", "simgd", 0.0, 10, (1, 1)), {}, "lr"),
        (("bilinear", "simgd", -0.1, 10, (1, 1)), {}, "lr"),
        (("bilinear", "simgd", float("inf"), 10, (1, 1)), {}, "lr"),
        (("bilinear", "simgd", 0.1, 0, (1, 1)), {}, "steps"),
        (("bilinear", "simgd", 0.1, 10**7, (1, 1)), {}, "steps"),
        (("bilinear", "simgd", 0.1, 2.5, (1, 1)), {}, "steps"),
        (("bilinear", "momentum", 0.1, 10, (1, 1)), {"beta": 1.0}, "beta"),
        (("bilinear", "consensus", 0.1, 10, (1, 1)), {"gamma": -1}, "gamma"),
        (("bilinear", "simgd", 0.1, 10, (1, 1)), {"loss": "gan"}, "loss"),
        (("bilinear", "simgd", 0.1, 10, (1, 1)), {"momentum": 0.9}, "unknown option"),
        (("dirac", "simgd", 0.1, 10, (1, 1)), {"sigma": -1}, "sigma"),
        (("dirac", "simgd", 0.1, 10, (1, 1)), {"clip": 0}, "clip"),
    ],
)
def test_bad_input_raises_config_error(args, kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        simulate(*args, **kwargs)


def test_simulate_many_returns_every_method():
    runs = simulate_many("bilinear", METHODS, 0.2, 50, (1.0, 0.0))
    assert list(runs) == list(METHODS)
    for m, traj in runs.items():
        np.testing.assert_array_equal(traj, simulate("bilinear", m, 0.2, 50, (1.0, 0.0)))
    with pytest.raises(ConfigError, match="unknown method"):
        simulate_many("bilinear", ["simgd", "nope"], 0.2, 50, (1.0, 0.0))


# -- verdicts the linearisation can and cannot give (issue 14) -------------------------------


@pytest.mark.parametrize("loss", ["gan", "ns-gan", "wgan"])
def test_flow_energy_rate_is_minus_z_dot_f(loss):
    field = dirac_field(loss=loss, clip=None)
    rng = np.random.default_rng(0)
    for theta, psi in rng.uniform(-3, 3, size=(50, 2)):
        fa, fb = field.grad(theta, psi)
        assert flow_energy_rate(loss, theta, psi) == pytest.approx(
            -(theta * fa + psi * fb), abs=1e-12
        )
        assert flow_energy_rate(loss, theta, psi) <= 0.0


def test_non_saturating_flow_spirals_in():
    """d(½‖z‖²)/dt = −θψ·tanh(θψ/2) ≤ 0: ‖z‖ never grows and goes from 1.118 to 0.161."""
    traj = simulate("dirac", "flow", 0.15, 2000, (1, 0.5), loss="ns-gan")
    norms = np.hypot(traj[:, 0], traj[:, 1])
    assert norms[0] == pytest.approx(1.118, abs=1e-3)
    assert norms[-1] == pytest.approx(0.161, abs=2e-3)
    assert np.all(np.diff(norms) <= 1e-12)
    assert measured_behaviour(traj) == "converges"
    pred = dirac_prediction("flow", 0.15, loss="ns-gan")
    assert pred.factor == pytest.approx(1.0) and pred.verdict == "converges"
    assert pred.reason == "nonlinear"
    gan = dirac_prediction("flow", 0.15, loss="gan")
    assert gan.verdict == "cycles" and gan.reason == "nonlinear"


def test_predictions_are_undecided_where_the_linearisation_cannot_decide():
    assert dirac_prediction("altgd", 0.15).verdict == UNDECIDED  # ρ = 1 exactly
    assert dirac_prediction("simgd", 0.15, regularizer="wgan-gp").reason == "no-jacobian"
    ns = dirac_prediction("simgd", 0.15, loss="ns-gan")
    assert ns.factor > 1 and ns.verdict == UNDECIDED and ns.reason == "bounded"
    clipped = dirac_prediction("simgd", 0.15, loss="wgan", clipped=True)
    assert clipped.verdict == UNDECIDED
    assert dirac_prediction("simgd", 0.15, loss="wgan").verdict == "diverges"
    assert dirac_prediction("simgd", 0.15, loss="gan").verdict == "diverges"
    assert dirac_prediction("simgd", 0.15, regularizer="r1").verdict == "converges"


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("regularizer", REGULARIZERS)
def test_decided_predictions_hold_at_the_app_defaults(loss, regularizer):
    """Start (1, 0.5), η = 0.15, 300 steps, γ = 1, β = −0.5, σ = 0.7, c = 1."""
    clip = 1.0 if clips_psi(loss, regularizer) else None
    opts = dict(loss=loss, regularizer=regularizer, reg_gamma=1.0, sigma=0.7)
    runs = simulate_many("dirac", METHODS, 0.15, 300, (1, 0.5), clip=clip, **opts)
    for m, traj in runs.items():
        pred = dirac_prediction(m, 0.15, clipped=clip is not None, **opts)
        assert pred.verdict in (measured_behaviour(traj), UNDECIDED), (m, pred)


def test_saturating_simgd_grows_every_step():
    """Why 'diverges' stands for the saturating loss: z·F = 0, so ‖z'‖² = ‖z‖² + η²‖F‖²."""
    traj = simulate("dirac", "simgd", 0.5, 300, (1, 0.5), loss="gan")
    norms = np.hypot(traj[:, 0], traj[:, 1])
    assert np.all(np.diff(norms) > 0)


def test_wgan_gp_does_not_clip_psi():
    assert clips_psi("wgan", "none") and clips_psi("wgan", "noise")
    assert not clips_psi("wgan", "wgan-gp") and not clips_psi("gan", "none")
    traj = simulate("dirac", "simgd", 0.1, 300, (1.5, 0.2), loss="wgan", regularizer="wgan-gp",
                    clip=0.3)
    assert np.nanmax(np.abs(traj[:, 1])) > 0.5
    assert dirac_field(loss="wgan", regularizer="wgan-gp", clip=0.3).clip is None
    assert dirac_field(loss="wgan", clip=0.3).clip == 0.3


@pytest.mark.parametrize("game", ["bilinear", "dirac"])
def test_flow_path_samples_the_flow_finely_and_hits_every_step(game):
    path, per_step = flow_path(game, 2.5, 40, (0.8, 0.6))
    assert per_step == 25 and path.shape == (40 * 25 + 1, 2)
    steps = simulate(game, "flow", 2.5, 40, (0.8, 0.6))
    assert path[::per_step] == pytest.approx(steps, abs=1e-5)
    gaps = np.hypot(*np.diff(path, axis=0).T)
    assert gaps.max() < 0.11  # ‖ż‖·dt with ‖z‖ = 1, dt = 0.1
