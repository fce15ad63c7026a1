"""Deep SORT (Wojke et al. 2017): Kalman motion, appearance galleries, the matching cascade."""
