"""autograder: nbgrader-based grading for the coursekit course."""
