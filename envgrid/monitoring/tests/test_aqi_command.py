"""``manage.py aqi``: a CSV of concentrations in, the same rows with HJ 633 AQI columns out."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

DAILY_HEADER = "station,date,SO2_24h,NO2_24h,PM10_24h,CO_24h,PM2.5_24h,O3_1h,O3_8h"


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("aqi", *args, str(path), stdout=out, stderr=err)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), out.getvalue(), err.getvalue()


def write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_daily_csv_gets_iaqi_aqi_primary_level_category_and_colour(tmp_path):
    path = write(
        tmp_path,
        f"{DAILY_HEADER}\nA,2026-02-28,10,30,120,0.8,75,100,90\nB,2026-02-28,8,20,150,0.6,75,60,40\n",
    )

    rows, text, _ = run(path, "--mode", "daily", "--standard", "hj633-2012")

    header = text.splitlines()[0].split(",")
    assert header[:9] == DAILY_HEADER.split(",")
    assert header[9:] == [
        "IAQI_SO2_24h",
        "IAQI_NO2_24h",
        "IAQI_PM10_24h",
        "IAQI_CO_24h",
        "IAQI_PM2.5_24h",
        "IAQI_O3_1h",
        "IAQI_O3_8h",
        "AQI",
        "primary_pollutants",
        "level",
        "category",
        "color_hex",
        "exceeding_pollutants",
        "standard",
        "notes",
    ]
    first, second = rows
    assert first["station"] == "A" and first["PM2.5_24h"] == "75"
    assert (first["IAQI_PM10_24h"], first["IAQI_PM2.5_24h"], first["IAQI_CO_24h"]) == ("85", "100", "20")
    assert (first["AQI"], first["primary_pollutants"], first["level"], first["category"], first["color_hex"]) == (
        "100",
        "PM2.5",
        "二级",
        "良",
        "#FFFF00",
    )
    assert (second["AQI"], second["primary_pollutants"]) == ("100", "PM2.5;PM10")


def test_a_non_numeric_cell_is_refused_with_its_row_and_column_and_nothing_is_written(tmp_path):
    path = write(
        tmp_path, f"{DAILY_HEADER}\nA,2026-02-28,10,30,120,0.8,75,100,90\nB,2026-02-28,8,20,150,0.6,n/a,60,40\n"
    )
    target = tmp_path / "out.csv"
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("aqi", "--mode", "daily", "--output", str(target), str(path), stdout=out, stderr=io.StringIO())

    assert "row 2 (line 3), column PM2.5_24h: 'n/a' is not a number" in str(raised.value)
    assert "nothing written" in str(raised.value)
    assert not target.exists()
    assert out.getvalue() == ""


def test_a_negative_cell_is_refused(tmp_path):
    path = write(tmp_path, "station,PM10_24h\nA,12\nB,-4\n")
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"row 2 \(line 3\), column PM10_24h: '-4' is negative"):
        call_command("aqi", "--mode", "daily", "--standard", "hj633-2012", str(path), stdout=out)

    assert out.getvalue() == ""


def test_blank_cells_are_missing_values(tmp_path):
    path = write(tmp_path, "station,PM10_24h,PM2.5_24h\nA,,80\nB,,\n")

    rows, _, _ = run(path, "--mode", "daily", "--standard", "hj633-2012")

    assert (rows[0]["IAQI_PM10_24h"], rows[0]["AQI"], rows[0]["primary_pollutants"]) == ("", "107", "PM2.5")
    assert (rows[1]["AQI"], rows[1]["level"], rows[1]["category"], rows[1]["color_hex"]) == ("", "", "", "")


def test_without_standard_each_row_uses_the_one_in_force_on_its_date(tmp_path):
    path = write(tmp_path, "date,PM2.5_24h\n2026-02-28,60\n2026-03-01,60\n")

    rows, _, err = run(path, "--mode", "daily")

    assert [(r["standard"], r["IAQI_PM2.5_24h"]) for r in rows] == [("hj633-2012", "82"), ("hj633-2026", "100")]
    assert "span a change of AQI standard" in err
    assert "provisional" in err


def test_a_time_column_with_an_offset_is_read_as_a_beijing_day(tmp_path):
    # 17:00 UTC on 28 February is 01:00 on 1 March in Beijing.
    path = write(tmp_path, "time,PM2.5_1h\n2026-02-28T17:00:00+00:00,60\n2026-02-28 17:00,60\n")

    rows, _, _ = run(path, "--mode", "hourly")

    assert [r["standard"] for r in rows] == ["hj633-2026", "hj633-2012"]


def test_an_unreadable_date_is_refused(tmp_path):
    path = write(tmp_path, "date,PM2.5_24h\nyesterday,60\n")

    with pytest.raises(CommandError, match=r"row 1 \(line 2\), column date: 'yesterday' is not a date"):
        run(path, "--mode", "daily")


def test_the_standard_option_overrides_the_date_column(tmp_path):
    path = write(tmp_path, "date,PM2.5_24h\n2026-03-01,60\n")

    rows, _, _ = run(path, "--mode", "daily", "--standard", "hj633-2012")

    assert (rows[0]["standard"], rows[0]["IAQI_PM2.5_24h"]) == ("hj633-2012", "82")


def test_hourly_so2_above_800_falls_back_to_the_24h_column(tmp_path):
    path = write(tmp_path, "station,SO2_1h,SO2_24h,NO2_1h\nA,900,100,40\n")

    rows, _, _ = run(path, "--mode", "hourly", "--standard", "hj633-2012")

    assert rows[0]["IAQI_SO2_1h"] == "75"
    assert "IAQI_SO2_24h" not in rows[0]
    assert rows[0]["notes"] == "SO2_1h>800: IAQI from SO2_24h"
    assert (rows[0]["AQI"], rows[0]["primary_pollutants"]) == ("75", "SO2")


def test_hourly_particles_option_picks_the_particle_values(tmp_path):
    path = write(tmp_path, "PM2.5_1h,PM2.5_24h\n120,80\n")

    both, _, _ = run(path, "--mode", "hourly", "--standard", "hj633-2012")
    daily_means, _, _ = run(path, "--mode", "hourly", "--standard", "hj633-2012", "--particles", "24h")

    assert both[0]["AQI"] == "158"
    assert daily_means[0]["AQI"] == "107" and "IAQI_PM2.5_1h" not in daily_means[0]


def test_exact_inputs_skip_the_rounding_of_concentrations(tmp_path):
    path = write(tmp_path, "PM2.5_24h\n47.3\n")

    rounded, _, _ = run(path, "--mode", "daily", "--standard", "hj633-2012")
    exact, _, _ = run(path, "--mode", "daily", "--standard", "hj633-2012", "--exact-inputs")

    assert (rounded[0]["AQI"], exact[0]["AQI"]) == ("65", "66")


def test_output_option_writes_the_file(tmp_path):
    path = write(tmp_path, "station,PM2.5_24h\nA,80\n")
    target = tmp_path / "out.csv"

    call_command(
        "aqi", "--mode", "daily", "--standard", "hj633-2012", "--output", str(target), str(path), stderr=io.StringIO()
    )

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert (rows[0]["station"], rows[0]["AQI"], rows[0]["category"]) == ("A", "107", "轻度污染")


def test_a_csv_without_indicator_columns_is_refused(tmp_path):
    path = write(tmp_path, "station,PM25\nA,80\n")

    with pytest.raises(CommandError, match="no indicator column"):
        run(path, "--mode", "daily")


def test_rerunning_on_its_own_output_replaces_the_computed_columns(tmp_path):
    path = write(tmp_path, "station,PM2.5_24h\nA,80\n")
    target = tmp_path / "out.csv"
    call_command(
        "aqi", "--mode", "daily", "--standard", "hj633-2012", "--output", str(target), str(path), stderr=io.StringIO()
    )

    rows, text, _ = run(target, "--mode", "daily", "--standard", "hj633-2012")

    assert text.splitlines()[0].split(",").count("AQI") == 1
    assert rows[0]["AQI"] == "107"
