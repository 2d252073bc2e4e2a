"""Portal-side release tooling (`dso-release`): a static TUF repository for DSO Desktop updates."""
