"""BoT-SORT (Aharon et al. 2022): ByteTrack association, (x, y, w, h) Kalman, camera-motion compensation."""
