# lib-wire tests: nothing yet
