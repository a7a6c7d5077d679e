"""The test helpers that start processes hand out what those processes need without collisions."""

from processes import free_port


def test_free_port_never_hands_out_a_port_twice():
    """A cluster's nodes each take several ports, free until their servers start: a repeat would collide."""
    ports = [free_port() for _ in range(500)]  # drawn at random from ~12,000: a repeat is all but certain
    assert len(set(ports)) == len(ports)
