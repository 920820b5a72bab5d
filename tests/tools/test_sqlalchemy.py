"""SQLAlchemy (2.0, through snowflake-sqlalchemy) against Snowglobe: Core DDL and DML, reflection
of schemas, tables, columns, primary, unique and foreign keys, the ORM, and identifier case as the dialect maps it
(lower-case names in Python are Snowflake's upper-case names)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from snowflake.sqlalchemy import TIMESTAMP_NTZ, URL
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


@pytest.fixture
def engine(server, connect):
    conn = connect()
    conn.cursor().execute("create or replace database SA_DB")
    conn.cursor().execute("create schema SA_DB.APP")
    eng = sa.create_engine(
        URL(
            account="test",
            user="test",
            password="test",
            database="SA_DB",
            schema="APP",
            warehouse="COMPUTE_WH",
        ),
        connect_args={"host": server.host, "port": server.port, "protocol": "http"},
    )
    yield eng
    eng.dispose()


def items_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "items",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("added", sa.DateTime),
        sa.Column("active", sa.Boolean),
    )


def test_core_create_insert_select_update_delete(engine):
    metadata = sa.MetaData()
    items = items_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as conn:
        result = conn.execute(
            items.insert(),
            [
                {"id": 1, "name": "apple", "price": Decimal("1.25"),
                 "added": datetime.datetime(2024, 1, 2, 3, 4, 5), "active": True},
                {"id": 2, "name": "pear", "price": Decimal("2.50"),
                 "added": datetime.datetime(2024, 2, 3, 4, 5, 6), "active": False},
                {"id": 3, "name": "plum", "price": None, "added": None, "active": None},
            ],
        )
        assert result.rowcount == 3
    with engine.connect() as conn:
        rows = conn.execute(sa.select(items).order_by(items.c.id)).all()
        assert rows[0] == (1, "apple", Decimal("1.25"), datetime.datetime(2024, 1, 2, 3, 4, 5), True)
        assert rows[2] == (3, "plum", None, None, None)
        cheap = conn.execute(
            sa.select(items.c.name).where(items.c.price < 2).where(items.c.active.is_(True))
        ).scalars().all()
        assert cheap == ["apple"]
        total = conn.execute(sa.select(sa.func.sum(items.c.price), sa.func.count())).one()
        assert total == (Decimal("3.75"), 3)
    with engine.begin() as conn:
        updated = conn.execute(
            items.update().where(items.c.id == 2).values(price=items.c.price * 2)
        )
        assert updated.rowcount == 1
        deleted = conn.execute(items.delete().where(items.c.price.is_(None)))
        assert deleted.rowcount == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(items.c.id, items.c.price).order_by(items.c.id)).all() == [
            (1, Decimal("1.25")),
            (2, Decimal("5.00")),
        ]
    metadata.drop_all(engine)
    assert not sa.inspect(engine).has_table("items")


def test_reflection(engine):
    metadata = sa.MetaData()
    items_table(metadata)
    metadata.create_all(engine)
    with engine.connect() as conn:
        conn.execute(sa.text("create view item_names as select id, name from items"))
    inspector = sa.inspect(engine)

    assert "app" in inspector.get_schema_names()
    assert inspector.get_table_names() == ["items"]
    assert inspector.get_view_names() == ["item_names"]
    assert inspector.has_table("items")
    assert not inspector.has_table("no_such_table")
    columns = {c["name"]: c for c in inspector.get_columns("items")}
    assert list(columns) == ["id", "name", "price", "added", "active"]
    assert isinstance(columns["id"]["type"], (sa.Integer, sa.Numeric))
    assert isinstance(columns["name"]["type"], sa.String)
    assert columns["name"]["type"].length == 20
    assert columns["name"]["nullable"] is False
    assert isinstance(columns["price"]["type"], sa.Numeric)
    assert (columns["price"]["type"].precision, columns["price"]["type"].scale) == (10, 2)
    assert isinstance(columns["added"]["type"], TIMESTAMP_NTZ)  # what DateTime creates
    assert isinstance(columns["active"]["type"], sa.Boolean)
    assert inspector.get_pk_constraint("items")["constrained_columns"] == ["id"]

    reflected = sa.Table("items", sa.MetaData(), autoload_with=engine)
    assert [c.name for c in reflected.columns] == ["id", "name", "price", "added", "active"]
    with engine.begin() as conn:
        conn.execute(reflected.insert().values(id=7, name="fig"))
        assert conn.execute(sa.select(reflected.c.name).where(reflected.c.id == 7)).scalar() == "fig"


def test_reflection_of_unique_and_foreign_keys(engine):
    metadata = sa.MetaData()
    items_table(metadata)
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", name="fk_item")),
        sa.Column("code", sa.String(10)),
        sa.Column("line", sa.Integer),
        sa.UniqueConstraint("code", "line", name="uq_code_line"),
    )
    metadata.create_all(engine)
    inspector = sa.inspect(engine)

    [fk] = inspector.get_foreign_keys("orders")
    assert fk["name"] == "fk_item"
    assert fk["constrained_columns"] == ["item_id"]
    assert fk["referred_table"] == "items"
    assert fk["referred_columns"] == ["id"]
    assert inspector.get_foreign_keys("items") == []
    [uq] = inspector.get_unique_constraints("orders")
    assert uq["name"] == "uq_code_line"
    assert uq["column_names"] == ["code", "line"]

    reflected = sa.MetaData()
    reflected.reflect(engine)
    orders = reflected.tables["orders"]
    assert [(e.parent.name, e.column.table.name, e.column.name)
            for e in orders.foreign_keys] == [("item_id", "items", "id")]
    # Dropping in dependency order works because the dependency is known.
    reflected.drop_all(engine)
    assert sa.inspect(engine).get_table_names() == []


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    balance: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"))


def test_orm_session(engine):
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([
            Customer(id=1, name="Ada", balance=Decimal("10.50")),
            Customer(id=2, name="Grace"),
            Customer(id=3, name="Edsger", balance=Decimal("-3.00")),
        ])
        session.commit()
    with Session(engine) as session:
        grace = session.get(Customer, 2)
        assert grace is not None and grace.balance == Decimal("0.00")
        grace.balance = Decimal("99.99")
        session.commit()
    with Session(engine) as session:
        positive = session.scalars(
            sa.select(Customer).where(Customer.balance > 0).order_by(Customer.name)
        ).all()
        assert [(c.name, c.balance) for c in positive] == [
            ("Ada", Decimal("10.50")),
            ("Grace", Decimal("99.99")),
        ]
        session.delete(session.get(Customer, 3))
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2
    # the ORM's lower-case names are Snowflake's upper-case ones
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from SA_DB.APP.CUSTOMERS")).scalar() == 2


def test_errors_surface_as_sqlalchemy_errors(engine):
    with engine.connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError) as raised:
            conn.execute(sa.text("select * from no_such_table"))
    assert raised.value.orig.errno == 2003
    assert raised.value.orig.sqlstate == "42S02"
