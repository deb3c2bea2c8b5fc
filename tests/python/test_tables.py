"""Tabular profiles and validation, local and inside dataset versions."""

import mlops
import pytest

EXPECT = {"expectations": [{"type": "not_null", "column": "id"},
                           {"type": "between", "column": "age", "min": 0, "max": 130}]}


@pytest.fixture
def people(tmp_path):
	p = tmp_path / "people.csv"
	p.write_text("id,age\n1,30\n2,40\n3,200\n")
	return p


def test_profile_local_file(people, tmp_path):
	prof = mlops.profile_file(people)
	assert prof.rows == 3 and prof.schema and prof.stats
	semi = tmp_path / "semi.txt"
	semi.write_text("1;2\n3;4\n")
	prof2 = mlops.profile_file(semi, format="csv", delimiter=";", header=False, quote="'", max_field_bytes=1 << 20)
	assert prof2.rows == 2
	unknown = tmp_path / "data.unknown"
	unknown.write_text("a,b\n1,2\n")
	with pytest.raises(mlops.InvalidError):
		mlops.profile_file(unknown)
	with pytest.raises(mlops.NotFoundError):
		mlops.profile_file(tmp_path / "absent.csv")
	with pytest.raises(mlops.InvalidError):
		mlops.profile_file(people, format="xml")


def test_validate_local_file(people):
	res = mlops.validate_file(people, EXPECT)
	assert res.success is False and res.report["rows"] == 3
	between = [r for r in res.report["results"] if r["expectation"]["type"] == "between"][0]
	assert between["success"] is False and between["unexpected_count"] == 1
	ok = mlops.validate_file(people, {"expectations": [{"type": "row_count", "min": 1, "max": 10}]})
	assert ok.success is True


def test_check_expectations():
	mlops.check_expectations(EXPECT)
	with pytest.raises(mlops.ParseError):
		mlops.check_expectations("{not json")
	with pytest.raises(mlops.InvalidError):
		mlops.check_expectations({"expectations": [{"type": "no_such_check", "column": "x"}]})


def test_profile_and_validate_inside_a_version(store, people):
	store.commit_dataset("people", people)
	stored = store.dataset_profile("people")
	assert stored.rows == 3
	fresh = store.dataset_profile("people", format="csv")
	assert fresh.rows == 3 and fresh.schema == stored.schema
	res = store.validate_dataset("people", None, EXPECT)
	assert res.success is False
	with pytest.raises(TypeError):
		store.dataset_profile("people", colour="red")
