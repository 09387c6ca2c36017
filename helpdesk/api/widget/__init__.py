"""The chat widget's endpoints (`/api/widget/`): for website visitors, never agents."""
