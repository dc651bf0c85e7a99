# milter: nothing yet
