"""ctdash: the Counter-Terrorism Compact in Numbers dashboard."""
