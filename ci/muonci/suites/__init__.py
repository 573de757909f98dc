"""What ci/test runs, a module per suite, each with the expectations its tests check."""
