# bridge: nothing yet
