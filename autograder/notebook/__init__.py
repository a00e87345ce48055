"""Code that ships inside the notebooks (embedded by the build): numpy, torch, matplotlib only."""
