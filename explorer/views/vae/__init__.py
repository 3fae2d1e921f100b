"""The VAE manifold app, split by role: ``app`` (behaviour), ``plane``, ``pins``, ``drawing``,
``retrain``, ``layout`` and ``text`` (every word a student reads)."""

from explorer.views.vae.app import VAEManifoldApp, build_vae_manifold_app

__all__ = ["VAEManifoldApp", "build_vae_manifold_app"]
