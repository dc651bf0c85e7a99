# contrib: nothing yet
