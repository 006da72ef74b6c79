// The analytics page: choosing a from or to date chooses the "from – to" period.
document.addEventListener("DOMContentLoaded", () => {
  const period = document.getElementById("id_period");
  if (!period) return;
  for (const id of ["id_start", "id_end"]) {
    const input = document.getElementById(id);
    if (input) input.addEventListener("change", () => { if (input.value) period.value = "range"; });
  }
});
