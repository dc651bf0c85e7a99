# lib-core tests: nothing yet
