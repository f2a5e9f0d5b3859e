from tests.jobs.conftest import (  # noqa: F401 - fixtures
    _emulator_and_proxy,
    cloud_env,
    emulator,
    fake_vertex,
    network_guard,
)
