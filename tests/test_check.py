"""`aicore check` finds what would go wrong in the game without running it: each problem
as ``path:line: message`` and exit 1, or one summary line and exit 0."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_runner import run_aicore
from content_files import write_scripts
from new_kind_project import lamplighter_project

from engine_bridge.tooling.check import Problem, check

HEADER = "from engine_bridge.api import Event, Npc\n\n\n"


def _aicore_check(
    venv_bin: Path, env: dict[str, str], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return run_aicore(venv_bin, env, "check", *args, cwd=cwd)


def _line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def _problems(tmp_path: Path, repo: Path, **scripts: str) -> list[Problem]:
    folder = tmp_path / "scripts"
    folder.mkdir(exist_ok=True)
    for name, body in scripts.items():
        (folder / f"{name}.py").write_text(HEADER + body)
    return check([folder], repo / "content").problems


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


@pytest.fixture
def content(tmp_path: Path, repo: Path) -> Path:
    """A copy of the shipped content, to break one file of."""
    return Path(shutil.copytree(repo / "content", tmp_path / "content"))


# -- what ships --------------------------------------------------------------------------


def test_the_shipped_scripts_and_content_pass_with_one_summary_line(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = _aicore_check(venv_bin, clean_env, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = out.stdout.splitlines()
    assert len(summary) == 1, out.stdout
    assert re.fullmatch(r"aicore check: 7 scripts, 7 NPC kinds, .*: all fine", summary[0])
    for part in ("archetypes", "environments", "voice lines", "story", "dialogue", "lore"):
        assert part in summary[0]


def test_checking_leaves_no_bytecode_in_the_script_folder(tmp_path: Path, repo: Path) -> None:
    _problems(tmp_path, repo, calm='class Calm(Npc):\n    kind = "calm"\n')
    assert not (tmp_path / "scripts" / "__pycache__").exists()


# -- scripts -----------------------------------------------------------------------------


def test_a_syntax_error_is_reported_at_its_line_and_exits_1(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    write_scripts(
        tmp_path / "scripts",
        broken=HEADER + 'class Broken(Npc):\n    kind = "broken"\n\n    def on_tick(self, dt)\n',
    )
    out = _aicore_check(venv_bin, clean_env, tmp_path, "scripts")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0] == "scripts/broken.py:7: SyntaxError: expected ':'"
    assert lines[-1] == "aicore check: 1 problem in 1 file"


def test_an_import_error_is_reported_at_the_import(tmp_path: Path, repo: Path) -> None:
    problem = _only(
        _problems(
            tmp_path,
            repo,
            lost='from math import tau, taux\n\n\nclass Lost(Npc):\n    kind = "x"\n',
        )
    )
    assert problem.path.endswith("lost.py")
    assert (problem.line, problem.code) == (4, "import-failed")
    assert problem.message.startswith("import failed: ImportError: cannot import name 'taux'")


def test_an_import_off_the_allow_list_is_reported_once_at_the_import(
    tmp_path: Path, repo: Path
) -> None:
    problem = _only(
        _problems(
            tmp_path, repo, lost='import gravedigging_tools\n\n\nclass Lost(Npc):\n    kind = "x"\n'
        )
    )
    assert (problem.line, problem.code) == (4, "forbidden-import")
    assert problem.message.startswith("NPC scripts may not import 'gravedigging_tools'")


def test_an_error_raised_by_the_script_s_top_level_is_reported_where_it_is_raised(
    tmp_path: Path, repo: Path
) -> None:
    problem = _only(_problems(tmp_path, repo, sums="TOTAL = 1 / 0\n"))
    assert (problem.line, problem.message) == (
        4,
        "import failed: ZeroDivisionError: division by zero",
    )


def test_a_class_without_a_kind_is_reported(tmp_path: Path, repo: Path) -> None:
    problem = _only(_problems(tmp_path, repo, nameless="class Nameless(Npc):\n    pass\n"))
    assert problem.line == 4
    assert problem.message.startswith("Nameless has no kind")


def test_a_base_class_without_a_kind_is_fine_when_a_kind_extends_it(
    tmp_path: Path, repo: Path
) -> None:
    body = (
        "class Monster(Npc):\n"
        "    def on_tick(self, dt: float) -> None:\n"
        "        self.growl()\n\n\n"
        "class Ghast(Monster):\n"
        '    kind = "ghast"\n\n'
        "    def growl(self) -> None:\n"
        '        self.emote("growl")\n'
    )
    assert _problems(tmp_path, repo, monsters=body) == []


def test_two_classes_claiming_one_kind_are_reported_at_the_second(
    tmp_path: Path, repo: Path
) -> None:
    problem = _only(
        _problems(
            tmp_path,
            repo,
            a_first='class First(Npc):\n    kind = "gravedigger"\n',
            b_second='class Second(Npc):\n    kind = "gravedigger"\n',
        )
    )
    assert problem.path.endswith("b_second.py")
    assert problem.line == 5
    assert "kind 'gravedigger', already claimed by First (" in problem.message
    assert "a_first.py:5)" in problem.message


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("def on_tick(self):", "on_tick(self, dt)"),
        ("def on_event(self, event, extra):", "on_event(self, event)"),
        ("def on_spawn(self, where):", "on_spawn(self)"),
        ("def fallback(self):", "fallback(self, dt)"),
    ],
)
def test_a_handler_with_the_wrong_parameters_is_reported_at_its_def(
    tmp_path: Path, repo: Path, handler: str, expected: str
) -> None:
    body = f'class Digger(Npc):\n    kind = "digger"\n\n    {handler}\n        pass\n'
    problem = _only(_problems(tmp_path, repo, digger=body))
    assert problem.line == 7
    assert problem.message.endswith(f"takes the wrong parameters: the engine calls {expected}")


def test_handlers_that_would_never_run_are_reported(tmp_path: Path, repo: Path) -> None:
    body = (
        "class Sleeper(Npc):\n"
        '    kind = "sleeper"\n\n'
        "    def __init__(self) -> None:\n"
        "        self.dreams = 0\n\n"
        "    async def on_event(self, event: Event) -> None:\n"
        "        pass\n\n"
        "    def on_tik(self, dt: float) -> None:\n"
        "        pass\n"
    )
    problems = _problems(tmp_path, repo, sleeper=body)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (7, "Sleeper.__init__ is never called"),
        (10, "Sleeper.on_event is async"),
        (13, "Sleeper.on_tik is not a handler the engine calls; did you mean on_tick?"),
    ]


def test_an_unknown_archetype_is_reported_with_the_known_ones(tmp_path: Path, repo: Path) -> None:
    body = 'class Banshee(Npc):\n    kind = "banshee"\n    archetype = "banshee"\n'
    problem = _only(_problems(tmp_path, repo, banshee=body))
    assert problem.line == 6
    assert problem.message.startswith("Banshee.archetype 'banshee' is not a voice archetype")
    assert "ghoul, vampire, werewolf, wraith, zombie" in problem.message


@pytest.mark.parametrize("rate", ["0", "-1.0", "61", "'fast'", "float('nan')", "True"])
def test_a_decision_rate_out_of_range_is_reported(tmp_path: Path, repo: Path, rate: str) -> None:
    body = f'class Ticker(Npc):\n    kind = "ticker"\n    decision_rate = {rate}\n'
    problem = _only(_problems(tmp_path, repo, ticker=body))
    assert problem.line == 6
    assert "decision_rate must be on_tick calls per second, above 0 and at most 60" in (
        problem.message
    )


def test_a_typo_in_an_action_is_reported_with_the_action_meant(tmp_path: Path, repo: Path) -> None:
    body = (
        "class Walker(Npc):\n"
        '    kind = "walker"\n\n'
        "    def on_tick(self, dt: float) -> None:\n"
        "        self.mvoe_to(self.player_position)\n"
        "        if self.helth < 0.5:\n"
        '            self.emote("limp")\n'
    )
    problems = _problems(tmp_path, repo, walker=body)
    assert [str(p).split("scripts/")[-1] for p in problems] == [
        "walker.py:8: self.mvoe_to(...) is neither an Npc action nor a method of Walker; "
        "did you mean self.move_to?",
        "walker.py:9: self.helth is neither an Npc attribute nor set (self.helth = ...) in "
        "Walker; did you mean self.health?",
    ]


def test_attributes_the_class_sets_defines_or_annotates_are_not_typos(
    tmp_path: Path, repo: Path
) -> None:
    body = (
        "class Keeper(Npc):\n"
        '    kind = "keeper"\n'
        "    lantern: bool\n"
        "    RANGE = 4.0\n\n"
        "    def on_spawn(self) -> None:\n"
        "        self.keys = 3\n"
        "        self.lantern = True\n\n"
        "    @property\n"
        "    def tired(self) -> bool:\n"
        "        return self.keys < 1\n\n"
        "    def on_tick(self, dt: float) -> None:\n"
        "        if self.tired or self.player_distance > self.RANGE:\n"
        "            return\n"
        "        self.keys -= 1\n"
        "        self.after(1.0, lambda: self.emote('yawn'))\n"
        '        self.say("Mind the gate, stranger.")\n'
        "        self.remember(str(self.slot), self.lantern)\n"
    )
    assert _problems(tmp_path, repo, keeper=body) == []


def test_a_say_of_an_unknown_line_id_is_reported_and_text_is_not(
    tmp_path: Path, repo: Path
) -> None:
    body = (
        "class Moaner(Npc):\n"
        '    kind = "moaner"\n\n'
        "    def on_tick(self, dt: float) -> None:\n"
        '        self.say("zombie_hungry")\n'
        '        self.say("Brains, please.")\n'
        '        self.say("zombie_closer" if dt else "zombie_hungy")\n'
    )
    problem = _only(_problems(tmp_path, repo, moaner=body))
    assert problem.line == 10
    assert problem.message.startswith("self.say('zombie_hungy') looks like a voice line id")
    assert problem.message.endswith("did you mean 'zombie_hungry'?")


def test_a_speak_of_a_topic_the_kind_s_dialogue_lacks_is_reported(
    tmp_path: Path, repo: Path
) -> None:
    body = (
        "class Vampire(Npc):\n"
        '    kind = "vampire"\n\n'
        "    def on_tick(self, dt: float) -> None:\n"
        '        self.speak("greeting", player="stranger")\n'
        '        self.speak("greetings")\n'
    )
    problem = _only(_problems(tmp_path, repo, vampire=body))
    assert problem.line == 9
    assert problem.message.startswith(
        "self.speak('greetings'): the vampire dialogue table has no line on topic 'greetings'"
    )


# -- content -----------------------------------------------------------------------------


def test_a_broken_archetype_preset_fails_the_check_at_the_field_s_line(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path, content: Path
) -> None:
    preset = content / "vocal" / "archetypes" / "zombie.json"
    preset.write_text(preset.read_text().replace('"drive_db": 14', '"drive_db": "loud"'))
    out = _aicore_check(
        venv_bin, clean_env, tmp_path, str(repo / "npc_scripts"), "--content", "content"
    )
    assert out.returncode == 1, out.stdout + out.stderr
    line = _line_of(preset, '"drive_db": "loud"')
    lines = out.stdout.splitlines()
    assert lines[0] == (
        f"content/vocal/archetypes/zombie.json:{line}: drive.drive_db: expected a number, "
        'got "loud"'
    )
    assert lines[-1] == "aicore check: 1 problem in 1 file"


@pytest.mark.parametrize(
    ("file", "old", "new", "at", "message"),
    [
        (
            "vocal/environments.json",
            '"decay_s": 2.4',
            '"decay_s": "long"',
            '"decay_s": "long"',
            "crypt.decay_s: expected a number",
        ),
        (
            "voice_lines/lines.toml",
            'speaker = "vampire"',
            'speaker = "Vamp"',
            'speaker = "Vamp"',
            "field 'speaker' must be the NPC kind",
        ),
        # A field that is missing has no line to point at.
        ("story/aethelred.toml", "\nending = ", "\nendng = ", None, "field 'ending' is missing"),
        (
            "dialogue/ghoul.toml",
            'topic = "greeting"',
            'topic = "greeting',
            'topic = "greeting',
            "not valid UTF-8 TOML",
        ),
        ("lore/broker.toml", "tags = ", "tagz = ", "id = ", "field 'tags' is missing"),
    ],
)
def test_a_broken_data_file_is_reported_with_the_loader_s_message(
    repo: Path, content: Path, file: str, old: str, new: str, at: str | None, message: str
) -> None:
    path = content / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    problem = _only(check([repo / "npc_scripts"], content).problems)
    assert Path(problem.path).resolve() == path.resolve()
    assert message in problem.message
    assert problem.line == (None if at is None else _line_of(path, at))


def test_a_missing_voice_line_wav_is_reported_at_its_manifest_entry(
    repo: Path, content: Path
) -> None:
    (content / "voice_lines" / "ghoul_hunger.wav").unlink()
    problem = _only(check([repo / "npc_scripts"], content).problems)
    manifest = content / "voice_lines" / "lines.toml"
    assert problem.line == _line_of(manifest, 'id = "ghoul_hunger"')
    assert "no WAV for voice line 'ghoul_hunger'" in problem.message


def test_content_that_is_not_there_is_noted_not_failed(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path, content: Path
) -> None:
    shutil.rmtree(content / "lore")
    out = _aicore_check(
        venv_bin, clean_env, tmp_path, str(repo / "npc_scripts"), "--content", "content"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "note: content/lore: missing; lore not checked" in out.stdout.splitlines()


# -- content roots -----------------------------------------------------------------------


def test_a_new_kinds_script_is_checked_against_its_projects_layered_content(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, repo: Path
) -> None:
    scripts, content = lamplighter_project(tmp_path)
    out = _aicore_check(
        venv_bin,
        clean_env,
        tmp_path,
        str(repo / "npc_scripts"),
        str(scripts),
        "--content",
        str(repo / "content"),
        "--content",
        str(content),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 stories" in out.stdout
    assert "8 dialogue tables" in out.stdout
    # The table is the layered one: a topic it lacks is caught in the new kind's script.
    script = scripts / "lamplighter.py"
    script.write_text(script.read_text().replace('speak("greeting"', 'speak("farewell"'))
    problem = _only(check([scripts], [repo / "content", content]).problems)
    assert problem.path.endswith("lamplighter.py")
    assert "no line on topic 'farewell'" in problem.message


def test_content_for_a_kind_no_checked_script_defines_is_noted(tmp_path: Path, repo: Path) -> None:
    _scripts, content = lamplighter_project(tmp_path)
    report = check([repo / "npc_scripts"], [repo / "content", content])
    assert report.ok, report.problems
    noted = [note for note in report.notes if "'lamplighter'" in note]
    assert {note.split(":")[0].rsplit("/", 1)[-1] for note in noted} == {"lamplighter.toml"}
    assert {"dialogue", "lore", "story"} == {note.split()[1] for note in noted}


def test_a_broken_file_of_a_layered_root_is_reported_with_its_file_and_field(
    tmp_path: Path, repo: Path
) -> None:
    scripts, content = lamplighter_project(tmp_path)
    broken = content / "lore" / "lamplighter.toml"
    broken.write_text(broken.read_text().replace('known_by = ["lamplighter"]', "known_by = 3"))
    problem = _only(check([repo / "npc_scripts", scripts], [repo / "content", content]).problems)
    assert Path(problem.path).resolve() == broken.resolve()
    assert problem.line == _line_of(broken, "known_by")
    assert "'known_by'" in problem.message


# -- script code runs in a process of its own --------------------------------------------

# Scripts cannot import os, threading or ctypes; an allowed module's attributes still
# reach them (the allow-list stops accidents, not intent), which is how these get there,
# by a name the static check cannot read.
_IMPORTLIB = 'random._os.sys.modules["importlib"]'


def test_a_script_that_loops_while_loading_times_out_and_the_others_are_still_checked(
    tmp_path: Path, repo: Path
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "a_loops.py").write_text(HEADER + "while True: pass\n")
    (folder / "b_walker.py").write_text(
        HEADER + 'class Walker(Npc):\n    kind = "walker"\n\n'
        "    def on_tick(self, dt: float) -> None:\n        self.mvoe_to((0.0, 0.0, 0.0))\n"
    )
    problems = check([folder], repo / "content", timeout=1.0).problems
    assert [(Path(p.path).name, p.line, p.code) for p in problems] == [
        ("a_loops.py", 4, "load-timeout"),  # the loop's line, asked of the stuck process
        ("b_walker.py", 8, "unknown-attribute"),
    ]
    assert problems[0].message.startswith("timed out after 1 s while loading this script")


def test_a_script_that_ends_the_process_while_loading_fails_the_check(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    write_scripts(tmp_path / "scripts", quits="import random\n\nrandom._os._exit(0)\n")
    out = _aicore_check(venv_bin, clean_env, tmp_path, "scripts")
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stdout.splitlines()[0] == (
        "scripts/quits.py: loading this script ended the process (exit code 0); the game "
        "would end the same way"
    )


def test_a_script_that_crashes_the_process_is_reported_with_the_signal(
    tmp_path: Path, repo: Path
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "crash.py").write_text(
        f'import random\n\nNAME = "ctypes"\n{_IMPORTLIB}.import_module(NAME).string_at(0)\n'
    )
    problem = _only(check([folder], repo / "content").problems)
    assert problem.code == "load-ended-process"
    assert "killed by signal SIGSEGV" in problem.message


def test_a_thread_a_script_leaves_running_does_not_keep_the_check_waiting(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    write_scripts(
        tmp_path / "scripts",
        spins="import random\n\n"
        'NAME = "threading"\n'
        f"threading = {_IMPORTLIB}.import_module(NAME)\n"
        "threading.Thread(target=lambda: [None for _ in iter(int, 1)]).start()\n",
    )
    out = _aicore_check(venv_bin, clean_env, tmp_path, "scripts", "--timeout", "30")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].startswith("aicore check: 1 script, 0 NPC kinds")


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_a_bad_timeout_is_a_usage_error(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path, value: str
) -> None:
    out = _aicore_check(venv_bin, clean_env, tmp_path, "--timeout", value)
    assert out.returncode == 2
    assert "--timeout" in out.stderr


# -- where a content problem is, from the error's fields ----------------------------------


def test_a_content_error_s_line_comes_from_its_fields_not_its_message(tmp_path: Path) -> None:
    from engine_bridge.content.layers import ContentError
    from engine_bridge.tooling.check.content_checks import content_problem

    lore = tmp_path / "broker.toml"
    lore.write_text(
        '[[entry]]\nid = "the_ledger"\ntitle = "The ledger"\n\n'
        '[[entry]]\nid = "the_toll"\ntitle = "The toll"\ntags = 3\n'
    )
    # Neither message names a line: one error gives it, the other its table and field.
    given = ContentError(lore, "a reason with no place in it", field="title", line=3)
    found = ContentError(lore, "a reason with no place in it", field="tags", table_id="the_toll")
    assert content_problem(given).line == 3
    assert content_problem(found).line == 8
    missing = ContentError(
        lore, "field 'known_by' is missing", field="known_by", table_id="the_toll"
    )
    assert content_problem(missing).line == 6  # a missing field: its table's id line
    assert content_problem(ContentError(lore, "at line 2 of nothing")).line is None


def test_checking_leaves_the_environment_untouched(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    _scripts, content = lamplighter_project(tmp_path)
    shutil.copytree(repo / "content" / "vocal", content / "vocal")
    before = dict(os.environ)
    seen: list[str] = []
    real = os.environ.__class__.__setitem__

    def watched(self: object, key: str, value: str) -> None:
        seen.append(key)
        real(self, key, value)  # type: ignore[arg-type]

    # Both roots have voice presets and scenes, each read from its own root: by
    # parameter, with nothing set in the environment on the way.
    with monkeypatch.context() as patch:
        patch.setattr(os.environ.__class__, "__setitem__", watched)
        report = check([repo / "npc_scripts"], [repo / "content", content])
    assert report.ok, report.problems
    assert seen == []
    assert dict(os.environ) == before
