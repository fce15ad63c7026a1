"""ByteTrack (Zhang et al., ECCV 2022) on trackbench's batched Kalman filter and track store."""
