// The live view's figures: ask figures.json every second and put its texts and classes on the elements
// of the drawing, by id. Only textContent and class names are set: nothing in the answer runs as code.
"use strict";

const REFRESH_MS = 1000;

function apply(figures) {
  for (const [id, text] of Object.entries(figures.text)) {
    const element = document.getElementById(id);
    if (element) element.textContent = text;
  }
  for (const [id, names] of Object.entries(figures.class)) {
    const element = document.getElementById(id);
    if (element) element.setAttribute("class", names);
  }
  const alerts = document.getElementById("alerts");
  alerts.replaceChildren(...figures.alerts.map((sentence) => {
    const item = document.createElement("li");
    item.textContent = sentence;
    return item;
  }));
  const status = document.getElementById("status");
  status.textContent = figures.status + " · " + new Date().toLocaleTimeString();
  status.className = figures.status.startsWith("running") ? "" : "closed";
}

async function refresh() {
  try {
    const answer = await fetch("figures.json", {cache: "no-store"});
    apply(await answer.json());
  } catch (error) {
    const status = document.getElementById("status");
    status.textContent = "the view's server is gone (the program ended)";
    status.className = "closed";
  }
  setTimeout(refresh, REFRESH_MS);
}

refresh();
