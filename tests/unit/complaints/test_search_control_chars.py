"""A search holding a NUL (or another control character) is refused with a clear message:
no OperationalError, and a lone NUL does not match every case."""

from __future__ import annotations

import pytest
from complaint_helpers import World

from effdesk.errors import ValidationError
from effdesk.services import complaints as svc


@pytest.mark.parametrize("text", ["\x00", "户籍窗口\x00推诿", "推诿\x00", "abc\x1b"])
def test_control_characters_are_refused(world: World, text: str) -> None:
    world.register()
    for call in (svc.search_complaints, svc.count_complaints):
        with pytest.raises(ValidationError, match="无法搜索") as err:
            call(world.session, world.inspector, svc.ComplaintFilter(text=text))  # type: ignore[operator]
        assert err.value.field == "text"
    with pytest.raises(ValidationError, match="NUL"):
        svc.search_complaints(world.session, world.clerk, svc.ComplaintFilter(text="\x00"))


def test_ordinary_search_still_works(world: World) -> None:
    case = world.register()
    page = svc.search_complaints(world.session, world.inspector, svc.ComplaintFilter(text="推诿"))
    assert [r.id for r in page.rows] == [case.id]
