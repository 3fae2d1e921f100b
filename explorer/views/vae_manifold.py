"""The VAE manifold app's old address (``apps/vae_manifold.ipynb`` imports it); the app lives in
:mod:`explorer.views.vae`."""

from explorer.views.vae.app import VAEManifoldApp, build_vae_manifold_app

__all__ = ["VAEManifoldApp", "build_vae_manifold_app"]
