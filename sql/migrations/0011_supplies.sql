-- 0011: supplies, donations and funds (物资、捐赠、资金).
--
-- Stock and money are append-only ledgers written by the system only:
-- ledger_ops / ledger_entries / lot_draws and fund_entries refuse UPDATE and
-- DELETE; a correction is a reversing operation.  Balances are derived; the
-- maintained balances (stock.quantity, lots.remaining, fund_accounts.balance_fen)
-- must always equal the ledger sums and can never go negative (CHECKs back
-- the 409 the domain gives inside the transaction that checks).
-- Quantities are integers in the item's base unit; money is integer fen.

-- Catalogue of items.  A kg-based item is counted in grams.
CREATE TABLE items (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    category   TEXT NOT NULL CHECK (category IN
                 ('protective', 'disinfection', 'medical', 'vehicle', 'food', 'other')),
    unit       TEXT NOT NULL,                               -- base unit: 只, 瓶, g, 台, 件
    pack_unit  TEXT,                                        -- 箱, NULL when not packed
    pack_size  INTEGER CHECK (pack_size IS NULL OR pack_size > 0), -- base units per pack
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Donors: organisations or persons; the contact phone is PII (masked in the API).
CREATE TABLE donors (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN
                    ('enterprise', 'new_social', 'party_org', 'individual', 'anonymous')),
    contact_name  TEXT,
    contact_phone TEXT,
    region_code   TEXT NOT NULL REFERENCES regions(code), -- the unit that registered it
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX donors_region ON donors(region_code, id);

-- Warehouses: each at a place (a grid code), so that stock alerts have a grid.
CREATE TABLE warehouses (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    address     TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (region_code, name)
);

-- Fund accounts (专项党费, donated money ...) with their maintained balance.
CREATE TABLE fund_accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('party_fee', 'donation', 'fiscal', 'other')),
    region_code TEXT NOT NULL REFERENCES regions(code),
    balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Donations: goods (donation_lines, received into warehouse_id by one
-- receive operation, ledger_ops.donation_id) and/or money (one fund entry
-- into account_id, fund_entries.donation_id).
CREATE TABLE donations (
    id             INTEGER PRIMARY KEY,
    receipt_no     TEXT NOT NULL UNIQUE,
    donor_id       INTEGER NOT NULL REFERENCES donors(id),
    donated_on     TEXT NOT NULL,                    -- YYYY-MM-DD
    region_code    TEXT NOT NULL REFERENCES regions(code), -- the warehouse's, else the account's
    receiving_unit TEXT NOT NULL,
    warehouse_id   INTEGER REFERENCES warehouses(id),
    account_id     INTEGER REFERENCES fund_accounts(id),
    money_fen      INTEGER NOT NULL DEFAULT 0 CHECK (money_fen >= 0),
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX donations_region ON donations(region_code, id);
CREATE INDEX donations_date ON donations(donated_on, id);

CREATE TABLE donation_lines (
    donation_id INTEGER NOT NULL REFERENCES donations(id),
    line_no     INTEGER NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (donation_id, line_no)
);

-- Supply requests from a region, hospital, team or checkpoint.
CREATE TABLE supply_requests (
    id             INTEGER PRIMARY KEY,
    requester_kind TEXT NOT NULL CHECK (requester_kind IN ('region', 'hospital', 'team', 'checkpoint')),
    region_code    TEXT NOT NULL REFERENCES regions(code),
    requester_name TEXT NOT NULL,
    needed_by      TEXT,
    note           TEXT,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'partial', 'fulfilled')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX supply_requests_region ON supply_requests(region_code, id);

CREATE TABLE supply_request_lines (
    request_id INTEGER NOT NULL REFERENCES supply_requests(id),
    item_id    INTEGER NOT NULL REFERENCES items(id),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    fulfilled  INTEGER NOT NULL DEFAULT 0 CHECK (fulfilled >= 0),
    PRIMARY KEY (request_id, item_id)
);

-- One ledger operation (what a person did) and its entries (one per
-- warehouse and item touched).  A reversal operation copies the original's
-- recipient and has entries of the opposite sign with the original's kind.
CREATE TABLE ledger_ops (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN
                       ('receive', 'allocate', 'transfer', 'consume', 'adjust', 'reversal')),
    op_date          TEXT NOT NULL,                  -- YYYY-MM-DD
    reverses_op_id   INTEGER UNIQUE REFERENCES ledger_ops(id),
    source           TEXT CHECK (source IS NULL OR source IN ('donation', 'purchase')),
    donation_id      INTEGER REFERENCES donations(id),
    recipient_kind   TEXT CHECK (recipient_kind IS NULL OR recipient_kind IN
                       ('region', 'hospital', 'team', 'checkpoint')),
    recipient_region TEXT REFERENCES regions(code),
    recipient_name   TEXT,
    request_id       INTEGER REFERENCES supply_requests(id),
    reason_code      TEXT,
    approver         TEXT,
    note             TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX ledger_ops_donation ON ledger_ops(donation_id);
CREATE INDEX ledger_ops_request ON ledger_ops(request_id);

CREATE TABLE ledger_entries (
    id            INTEGER PRIMARY KEY,
    op_id         INTEGER NOT NULL REFERENCES ledger_ops(id),
    kind          TEXT NOT NULL CHECK (kind IN
                    ('receive', 'allocate', 'transfer_out', 'transfer_in', 'consume', 'adjust')),
    warehouse_id  INTEGER NOT NULL REFERENCES warehouses(id),
    region_code   TEXT NOT NULL,                     -- the warehouse's (scope filter)
    item_id       INTEGER NOT NULL REFERENCES items(id),
    delta         INTEGER NOT NULL CHECK (delta <> 0),
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    reverses_entry_id INTEGER REFERENCES ledger_entries(id)
);
CREATE INDEX ledger_entries_op ON ledger_entries(op_id);
CREATE INDEX ledger_entries_stock ON ledger_entries(warehouse_id, item_id, id);
CREATE INDEX ledger_entries_region ON ledger_entries(region_code, id);

-- Maintained balances per warehouse and item, with the low-stock threshold.
CREATE TABLE stock (
    warehouse_id INTEGER NOT NULL REFERENCES warehouses(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    quantity     INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    threshold    INTEGER NOT NULL DEFAULT 0 CHECK (threshold >= 0),
    PRIMARY KEY (warehouse_id, item_id)
);

-- Lots: every inflow (receive, positive adjust, transfer in) is a lot; an
-- outflow draws from the oldest lots first (FIFO) and records each draw.  A
-- lot moved by a transfer keeps its donation (origin_lot_id links back).
CREATE TABLE lots (
    id            INTEGER PRIMARY KEY,
    warehouse_id  INTEGER NOT NULL REFERENCES warehouses(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    donation_id   INTEGER REFERENCES donations(id),  -- NULL: purchase or adjustment
    entry_id      INTEGER NOT NULL REFERENCES ledger_entries(id),
    origin_lot_id INTEGER REFERENCES lots(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    remaining     INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= quantity)
);
-- FIFO reads only lots with units left: exhausted lots drop out of the index.
CREATE INDEX lots_fifo ON lots(warehouse_id, item_id, id) WHERE remaining > 0;
CREATE INDEX lots_donation ON lots(donation_id);
CREATE INDEX lots_entry ON lots(entry_id);

-- Draws of an entry from lots: positive = units taken; a reversal entry
-- records negative draws (units put back into the same lots).
CREATE TABLE lot_draws (
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    lot_id   INTEGER NOT NULL REFERENCES lots(id),
    quantity INTEGER NOT NULL CHECK (quantity <> 0),
    PRIMARY KEY (entry_id, lot_id)
);
CREATE INDEX lot_draws_lot ON lot_draws(lot_id);

-- Fund entries: in/out in fen with purpose and approver; a correction is a
-- reversing entry (opposite direction, reverses_id set).
CREATE TABLE fund_entries (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES fund_accounts(id),
    direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    purpose       TEXT NOT NULL,
    approver      TEXT NOT NULL,
    entry_date    TEXT NOT NULL,
    donation_id   INTEGER REFERENCES donations(id),
    reverses_id   INTEGER UNIQUE REFERENCES fund_entries(id),
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX fund_entries_account ON fund_entries(account_id, id);

CREATE TRIGGER ledger_ops_no_update BEFORE UPDATE ON ledger_ops
BEGIN SELECT RAISE(ABORT, 'ledger_ops is append-only'); END;
CREATE TRIGGER ledger_ops_no_delete BEFORE DELETE ON ledger_ops
BEGIN SELECT RAISE(ABORT, 'ledger_ops is append-only'); END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER lot_draws_no_update BEFORE UPDATE ON lot_draws
BEGIN SELECT RAISE(ABORT, 'lot_draws is append-only'); END;
CREATE TRIGGER lot_draws_no_delete BEFORE DELETE ON lot_draws
BEGIN SELECT RAISE(ABORT, 'lot_draws is append-only'); END;
CREATE TRIGGER fund_entries_no_update BEFORE UPDATE ON fund_entries
BEGIN SELECT RAISE(ABORT, 'fund_entries is append-only'); END;
CREATE TRIGGER fund_entries_no_delete BEFORE DELETE ON fund_entries
BEGIN SELECT RAISE(ABORT, 'fund_entries is append-only'); END;
CREATE TRIGGER donation_lines_no_update BEFORE UPDATE ON donation_lines
BEGIN SELECT RAISE(ABORT, 'donation_lines is append-only'); END;
CREATE TRIGGER donation_lines_no_delete BEFORE DELETE ON donation_lines
BEGIN SELECT RAISE(ABORT, 'donation_lines is append-only'); END;
CREATE TRIGGER donations_no_update BEFORE UPDATE ON donations
BEGIN SELECT RAISE(ABORT, 'donations are append-only'); END;
CREATE TRIGGER donations_no_delete BEFORE DELETE ON donations
BEGIN SELECT RAISE(ABORT, 'donations are append-only'); END;
