# keystore: nothing yet
