"""The gate: `capa diff`, what a change does to the register, judged by BASE's rules.

The gate owns the comparison of the two sides of a pull request, in three steps:

- reading both sides: BASE's settings (`config`), finding files read leniently
  (`findings`), BASE's findings (`base_side`), HEAD's validated (`head_side`), both
  together (`sides`), closure evidence on either side and what each citation resolves
  to (`evidence`), and the closed findings a change reaches through their evidence
  (`citations`);
- judging: pairing BASE's findings with HEAD's (`pairs`) and the named judgements the
  diff rules make, one function each over a shared context (`judgements`);
- reporting: the verdict and the changes (`result`), the run that ties the steps
  together (`diff`), and the reviewer's Markdown summary (`summary`).

It stands on the rooms below it and may import them: the contract (model, loader,
settings, rules, validate, report), git (trees, blobs, history) and the register. It
never imports the site or interop, which share its layer, nor the CLI above it.
"""
