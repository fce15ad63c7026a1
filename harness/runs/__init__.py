"""Run machinery: planning and executing units, the run manifest, the appearance-vector cache, sweeps."""
