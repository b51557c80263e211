pytest_plugins = ["gotong.testing.plugin"]
