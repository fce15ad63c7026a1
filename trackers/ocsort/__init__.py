"""OC-SORT (Cao et al., CVPR 2023) on trackbench's batched Kalman filter and track store."""
