"""`ctdash demo`: a separate store filled with generated data, for demonstrations and benchmarks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ctdash import demo
from ctdash.db import make_engine


def demo_command(
    db: Annotated[
        str,
        typer.Option(
            "--db",
            help="SQLAlchemy URL of an empty database for the synthetic store, "
            "e.g. sqlite:///data/demo.db. Never the store with real figures.",
        ),
    ],
    activities: Annotated[
        int, typer.Option("--activities", min=0, help="How many activities to generate.")
    ] = 10_000,
    years: Annotated[
        int, typer.Option("--years", min=1, max=100, help="Years of monthly snapshots.")
    ] = 20,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same data.")] = 0,
) -> None:
    """Fill an empty database with synthetic figures and activities, marked as such.

    Every page of an app pointed at it (CTDASH_DATABASE_URL) says that its data is synthetic.
    """
    engine = make_engine(db)
    try:
        report = demo.fill(
            engine, activities=activities, years=years, today=date.today(), seed=seed
        )
    except demo.DemoError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    typer.echo(
        f"wrote {report.observations} synthetic figures ({report.first} to {report.last}) and "
        f"{report.activities} synthetic activities to {db}"
    )
