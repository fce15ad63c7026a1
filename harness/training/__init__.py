"""Training of learned components: re-identification embedders (``reid``) and ROLO's LSTM."""
