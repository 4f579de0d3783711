"""nvhai_bringup: launch files, parameters and the embedded demo of the whole loop."""
