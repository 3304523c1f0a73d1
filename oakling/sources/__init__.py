"""Camera sources: where camera frames come from when there is no sensor."""
