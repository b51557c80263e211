async def test_helix_flow(api, helix):
    view = await api.get(f"/v1/projects/{helix['project']}")
    assert view["helix"]["complete"] is True, view["helix"]
