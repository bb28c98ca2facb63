"""The pure money rules: the ledger, payment references, the EPC QR payload, the FEC, bank files."""

import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.finance import bank, epc, fec, ledger, references

cents = st.integers(min_value=-10**7, max_value=10**7).filter(bool).map(lambda c: D(c) / 100)


@st.composite
def transactions(draw):
    """A balanced transaction over accounts 0–5: random lines, the last one balancing them."""
    lines = [ledger.Line(draw(st.integers(0, 5)), draw(cents)) for _ in range(draw(st.integers(1, 5)))]
    rest = -sum(l.amount for l in lines)
    if rest == 0:
        lines.append(ledger.Line(6, D("1.00")))
        lines.append(ledger.Line(7, D("-1.00")))
    else:
        lines.append(ledger.Line(draw(st.integers(0, 5)), rest))
    return lines


@given(st.lists(transactions(), max_size=20))
def test_any_sequence_keeps_balances_equal_to_entries_and_summing_to_zero(sequence):
    for lines in sequence:
        ledger.check(lines)
    totals = ledger.balances(sequence)
    assert sum(totals.values()) == 0
    for account, total in totals.items():
        assert total == sum(l.amount for lines in sequence for l in lines if l.account == account)


@given(st.lists(transactions(), min_size=1, max_size=10), st.data())
def test_a_reversal_restores_the_prior_balances(sequence, data):
    before = ledger.balances(sequence[:-1])
    after = ledger.balances([*sequence, ledger.check(ledger.reversal(sequence[-1]))])
    assert {a: t for a, t in after.items() if t} == {a: t for a, t in before.items() if t}


@given(st.dictionaries(st.integers(0, 5), cents, max_size=5), st.dictionaries(st.integers(0, 5), cents, max_size=5))
def test_an_adjustment_brings_what_was_posted_to_the_target(posted, target):
    lines = ledger.difference(posted, target)
    result = ledger.balances([[ledger.Line(a, t) for a, t in posted.items()], lines])
    assert {a: t for a, t in result.items() if t} == {a: t for a, t in target.items() if t}


@pytest.mark.parametrize("lines, word", [
    ([], "needs lines"), ([ledger.Line(1, D("1.00")), ledger.Line(2, D("-0.99"))], "not balanced"),
    ([ledger.Line(1, D("0.005")), ledger.Line(2, D("-0.005"))], "to the cent"),
    ([ledger.Line(1, D("0")), ledger.Line(2, D("0"))], "0"), ([ledger.Line(1, 1.0), ledger.Line(2, -1.0)], "Decimal"),
])
def test_bad_transactions_are_refused(lines, word):
    with pytest.raises(ledger.LedgerError, match=word):
        ledger.check(lines)


def test_belgian_structured_communication():
    assert references.belgian(1234567890) == "+++123/4567/89002+++"  # 1234567890 mod 97 = 2
    assert references.belgian(97) == "+++000/0000/09797+++"  # a remainder of 0 is written 97
    assert references.parse_belgian("***123/4567/89002***") == "123456789002"
    assert references.parse_belgian("+++123/4567/89003+++") is None


def test_iso_11649_creditor_reference():
    assert references.creditor_reference("539007547034") == "RF18539007547034"  # the standard's example
    assert references.parse_creditor_reference("RF18 5390 0754 7034") == "RF18539007547034"
    assert references.parse_creditor_reference("RF19539007547034") is None
    assert references.format_creditor_reference("RF18539007547034") == "RF18 5390 0754 7034"
    assert references.parse_reference("Paiement facture RF18 5390 0754 7034 merci") == "RF18539007547034"
    assert references.valid_iban("FR76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert references.valid_iban("FR76 3000 6000 0112 3456 7890 188") is None


def test_epc_qr_payload():
    payload = epc.payload(name="GAC du Pays de Rennes", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP",
                          amount=D("42.50"), reference="RF18539007547034")
    assert payload.split("\n") == ["BCD", "002", "1", "SCT", "AGRIFRPP", "GAC du Pays de Rennes",
                                   "FR7630006000011234567890189", "EUR42.5", "", "RF18539007547034"]
    belgian = epc.payload(name="GASAP", iban="BE71 0961 2345 6769", amount=D("10"), reference="+++123/4567/89002+++")
    assert belgian.split("\n")[7:] == ["EUR10", "", "", "+++123/4567/89002+++"]  # in the remittance text
    assert "<svg" in epc.qr_svg(payload)
    for bad in (dict(amount=D("0")), dict(amount=D("1.005")), dict(iban="FR00 1234"), dict(name="  ")):
        with pytest.raises(ValueError):
            epc.payload(**{**dict(name="X", iban="BE71096123456769", amount=D("1")), **bad})


def test_fec_has_its_18_columns_and_french_formats():
    entry = fec.FecEntry("VE", "Ventes", "12", datetime.date(2026, 11, 20), "411000", "Clients", "H000042", "Foyer Le Goff",
                         "C7", datetime.date(2026, 11, 20), "Clôture\tSemaine 47", D("-42.10"), datetime.date(2026, 11, 21))
    header, row = fec.rows([entry])
    assert len(header) == len(row) == 18 and header[0] == "JournalCode" and header[-1] == "Idevise"
    assert row[3] == "20261120" and row[11] == "0,00" and row[12] == "42,10" and "\t" not in row[10]
    assert fec.filename("123456789", datetime.date(2026, 12, 31)) == "123456789FEC20261231.txt"


def camt(amount_1="42.10", reference_1="RF18539007547034", amount_2="18.60"):
    text = (Path(__file__).parent / "data" / "camt053_sample.xml").read_text()
    return text.replace("{AMOUNT_1}", amount_1).replace("{REFERENCE_1}", reference_1).replace("{AMOUNT_2}", amount_2).encode()


def test_camt053_sample_is_read_entry_by_entry():
    statement = bank.parse_camt053(camt())
    assert statement.source_id == "camt:STMT-2026-11-20"
    first, second, debit, gift = statement.lines
    assert (first.amount, first.date, first.name, first.reference) == (D("42.10"), datetime.date(2026, 11, 18), "M. et Mme LE GOFF", "RF18539007547034")
    assert (second.name, second.text, second.reference) == ("BERNARD Sophie", "Commande GAC novembre", "")
    assert debit.amount == D("-120.00") and debit.name == "Ferme de la Prée"


def test_matching_by_reference_then_amount_and_name():
    debtors = [bank.Debtor("a1", "Foyer Le Goff", D("42.10"), frozenset({"RF18539007547034"})),
               bank.Debtor("b1", "Foyer Bernard", D("18.60"), frozenset())]
    first, second, debit, gift = bank.match(bank.parse_camt053(camt()).lines, debtors)
    assert (first.debtor.key, first.certain) == ("a1", True)
    assert (second.debtor.key, second.certain) == ("b1", False)  # same amount, "Bernard" in the name: to confirm
    assert debit.debtor is None and gift.debtor is None


@pytest.mark.parametrize("data, word", [
    (b"<Document><oops>", "XML"), (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>", "camt.053"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&a;</Document>', "XML"),
])
def test_malformed_statements_get_a_clear_message(data, word):
    with pytest.raises(bank.StatementError, match=word):
        bank.parse_camt053(data)


def test_bank_csv_with_configurable_columns():
    data = "Date;Montant;Contrepartie;Communication\n18/11/2026;42,10;LE GOFF;+++123/4567/89002+++\n19/11/2026;-1 200,00;Ferme;x\n".encode()
    statement = bank.parse_csv(data, bank.CsvColumns())
    assert [(l.amount, l.reference) for l in statement.lines] == [(D("42.10"), "123456789002"), (D("-1200.00"), "")]
    with pytest.raises(bank.StatementError, match="ligne 2 : montant"):
        bank.parse_csv("Date;Montant\n18/11/2026;abc\n".encode(), bank.CsvColumns())
    with pytest.raises(bank.StatementError, match="Colonnes absentes"):
        bank.parse_csv("Jour;Somme\n1;2\n".encode(), bank.CsvColumns())
