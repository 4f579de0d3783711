"""nvhai_predictor: sliding windows of body keypoints -> 1 s motion forecast + emotion probabilities."""
