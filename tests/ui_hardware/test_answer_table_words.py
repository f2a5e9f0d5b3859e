"""The Optimise page's answer table at 1024x640 (the answer panel ~480 px wide) broke words in two: 'margi n',
'bind s', 'totEnergy(k W)' (seen in the render; Qt's rich text ignores <td nowrap>). Cells now break only between
words. The answer is a real solve of the small synthetic benchmark (tests/ui_hardware/test_optimise_page.py)."""

from PySide6.QtGui import QTextBlock, QTextTable

from carbon_gui.core.dimensioning.request import AT_MOST, Constraint
from carbon_gui.ui.hardware.optimise_page import OptimisePage
from tests.jobs.conftest import local_env  # noqa: F401 - fixture
from tests.ui_hardware.test_optimise_page import launched, machines, page, solve  # noqa: F401 - fixtures
from tests.ui_jobs.conftest import tasks  # noqa: F401 - fixture

BREAKS_AFTER = (" ", "-", "/")


def cell_blocks(optimise: OptimisePage) -> list[QTextBlock]:
    document = optimise.answer_view.document()
    [table] = [frame for frame in document.rootFrame().childFrames() if isinstance(frame, QTextTable)]
    blocks = []
    for row in range(table.rows()):
        for column in range(table.columns()):
            cell = table.cellAt(row, column)
            block = cell.firstCursorPosition().block()
            while block.isValid() and block.position() <= cell.lastCursorPosition().position():
                blocks.append(block)
                block = block.next()
    return blocks


def broken_words(block: QTextBlock) -> list[str]:
    text, layout = block.text(), block.layout()
    ends = [layout.lineAt(i).textStart() + layout.lineAt(i).textLength() for i in range(layout.lineCount() - 1)]
    return [f"{text[:end]}|{text[end:]}" for end in ends if not text[end - 1].endswith(BREAKS_AFTER)]


def test_the_answer_table_breaks_lines_between_words_only(qtbot, page, machines):  # noqa: F811
    _folder, data, surrogates = machines
    page.set_fitted(data, surrogates)
    page.objective.setCurrentText("totEnergy(kW)")
    page.constraints.add_row(Constraint("time(sec)", AT_MOST, 60))
    solve(qtbot, page)
    assert page.result.answer.feasible
    page.answer_view.setFixedWidth(480)  # the answer panel in a 1024x640 window
    qtbot.wait(200)
    blocks = cell_blocks(page)
    assert any(block.text() == "totEnergy(kW)" for block in blocks), [b.text() for b in blocks]
    assert not [w for block in blocks for w in broken_words(block)]
