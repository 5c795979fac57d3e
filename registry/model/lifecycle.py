"""Contract lifecycle: each award's modifications in order, with running totals and what each one did.

Why: the story of a contract is in its modifications. ImmigrationOS was not a new award but
modification P00009 of a 2022 order, adding $29.9M to ~$58M obligated before it. So for every
transaction the registry keeps the running obligated total, flags a "jump" (a modification adding more
than JUMP_SHARE of the total obligated before it), option exercises, extensions and de-obligations,
each with the basis (FPDS action type or description wording) so a reader can check it.

Ceilings (base and all options) come from the award record; per-modification ceiling changes only
when the source gives them (the bulk transaction files' base_and_all_options_value and
potential_total_value_of_award, read from the stored raw payload).
"""

from __future__ import annotations

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_transactions", "stg.stg_transactions")
WRITES = ("t_award_lifecycle", "t_award_lifecycle_summary")

JUMP_SHARE = 0.5

OPTION_RE = r"\bEXERCIS\w*\b[^.;]{0,60}\bOPTION|\bOPTION (YEAR|PERIOD)\S* \S+ EXERCIS"
EXTENSION_RE = r"\bEXTEN(D|DS|DED|DING|SION)\b|52\.217-8|\bNO[- ]COST EXTENSION"


def build(ctx) -> None:
    """Create `t_award_lifecycle` (one row per transaction) and `t_award_lifecycle_summary` (per award)."""
    con = ctx.con
    con.execute(
        r"""
        CREATE TEMP TABLE _ceiling AS
        SELECT award_key, modification_number, transaction_number,
               TRY_CAST(replace(json_extract_string(raw_payload, '$.base_and_all_options_value'), ',', '')
                        AS DECIMAL(18,2)) AS ceiling_change,
               TRY_CAST(replace(json_extract_string(raw_payload, '$.potential_total_value_of_award'), ',', '')
                        AS DECIMAL(18,2)) AS ceiling_after
        FROM stg.stg_transactions
        WHERE raw_payload LIKE '%base_and_all_options_value%' AND json_valid(raw_payload)
        """
    )
    con.execute(
        f"""
        CREATE TABLE t_award_lifecycle AS
        WITH t AS (
            SELECT t.rowid AS tx_id, t.award_key, t.modification_number, t.transaction_number, t.action_date,
                   t.action_type,
                   t.action_type_description, t.federal_action_obligation AS obligation, t.description,
                   t.source_url,
                   row_number() OVER w AS seq,
                   sum(t.federal_action_obligation) OVER w AS running_obligated
            FROM t_transactions t
            WINDOW w AS (PARTITION BY t.award_key ORDER BY t.action_date, t.modification_number <> '0',
                         t.modification_number, t.transaction_number
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        )
        SELECT t.tx_id, t.award_key, t.seq, t.modification_number, t.transaction_number, t.action_date,
               t.action_type, t.action_type_description, t.obligation,
               t.running_obligated - t.obligation                               AS prior_obligated,
               t.running_obligated,
               CASE WHEN t.running_obligated - t.obligation > 0
                    THEN round(t.obligation / (t.running_obligated - t.obligation), 4) END AS jump_ratio,
               coalesce(t.running_obligated - t.obligation > 0
                        AND t.obligation > {JUMP_SHARE} * (t.running_obligated - t.obligation), false) AS is_jump,
               t.obligation < 0                                                  AS is_deobligation,
               (upper(coalesce(t.action_type, '')) = 'G'
                OR upper(coalesce(t.action_type_description, '')) LIKE '%EXERCISE AN OPTION%'
                OR regexp_matches(coalesce(t.description, ''), '{OPTION_RE}', 'i'))  AS is_option_exercise,
               regexp_matches(coalesce(t.description, ''), '{EXTENSION_RE}', 'i')   AS is_extension,
               concat_ws('; ',
                   CASE WHEN upper(coalesce(t.action_type, '')) = 'G'
                          OR upper(coalesce(t.action_type_description, '')) LIKE '%EXERCISE AN OPTION%'
                        THEN 'option: FPDS action type G (exercise an option)'
                        WHEN regexp_matches(coalesce(t.description, ''), '{OPTION_RE}', 'i')
                        THEN 'option: description says ''' ||
                             regexp_extract(t.description, '{OPTION_RE}', 0, 'i') || '''' END,
                   CASE WHEN regexp_matches(coalesce(t.description, ''), '{EXTENSION_RE}', 'i')
                        THEN 'extension: description says ''' ||
                             regexp_extract(t.description, '{EXTENSION_RE}', 0, 'i') || '''' END,
                   CASE WHEN t.running_obligated - t.obligation > 0
                         AND t.obligation > {JUMP_SHARE} * (t.running_obligated - t.obligation)
                        THEN 'jump: adds ' || round(100 * t.obligation / (t.running_obligated - t.obligation), 1)
                             || '% of the ' || (t.running_obligated - t.obligation)::VARCHAR
                             || ' obligated before it' END)                    AS event_basis,
               c.ceiling_change, c.ceiling_after,
               t.description, t.source_url
        FROM t
        LEFT JOIN _ceiling c USING (award_key, modification_number, transaction_number)
        ORDER BY t.award_key, t.seq
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE TABLE t_award_lifecycle_summary AS
        SELECT award_key,
               count(*)                                                  AS modification_count,
               count(*) FILTER (is_jump)                                 AS jump_count,
               arg_max(modification_number, jump_ratio) FILTER (is_jump) AS largest_jump_modification,
               max(jump_ratio) FILTER (is_jump)                          AS largest_jump_ratio,
               count(*) FILTER (is_option_exercise)                      AS options_exercised,
               count(*) FILTER (is_extension)                            AS extensions,
               count(*) FILTER (is_deobligation)                         AS deobligations,
               coalesce(sum(obligation) FILTER (is_deobligation), 0)     AS deobligated_amount,
               arg_max(ceiling_after, seq) FILTER (ceiling_after IS NOT NULL) AS latest_ceiling_in_transactions
        FROM t_award_lifecycle GROUP BY award_key
        """
    )
    con.execute("DROP TABLE IF EXISTS _ceiling")
    n = con.execute("SELECT count(*) FILTER (is_jump), count(*) FROM t_award_lifecycle").fetchone()
    ctx.log(f"lifecycle: {n[0]:,} jumps among {n[1]:,} transactions")
