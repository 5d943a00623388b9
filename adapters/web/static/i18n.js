// endoveil web page: German and English, by the browser's language; times in local time.
// Static text carries data-i18n="key" (translated on load); scripts call t("key").
"use strict";

const TEXTS = {
  en: {
    tagline: "Endoscopy videos, anonymized through an audited fallback chain.",
    token: "Access token", signIn: "Sign in", signOut: "Sign out", refresh: "Refresh",
    metrics: "Metrics", videos: "Videos", audit: "Audit timeline", review: "Review",
    rate: "Rate", threshold: "Good / warning / critical", fallbacks: "Fallbacks by reason",
    filterAll: "All, open decisions first", search: "Video id starts with", none: "Nothing here.",
    anonymized: "Anonymized", raw: "Raw (not anonymized)", noRaw: "Raw video for reviewers only",
    decide: "Decision", reason: "Reason (required, no patient data)", submit: "Record decision",
    approve: "Approve for release", reject: "Reject", retain: "Retain (never released)",
    reprocess: "Reprocess", erase: "Erase raw files", decided: "Decision recorded.",
    imported: "Imported", by: "by", viewerOnly: "Decisions need a reviewer token.",
    undecided: "Undecided", awaiting_review: "Awaiting review", released: "Released",
    rejected: "Rejected", quarantined: "Quarantined, decide", retained: "Retained",
    erased: "Erased", close: "Close",
    rateSuccess: "Anonymization success", rateFallback: "Fallback usage",
    rateFailure: "Import failure", allTime: "All time", last24h: "Last 24 h",
    last100: "Last 100 imports",
  },
  de: {
    tagline: "Endoskopie-Videos, anonymisiert über eine protokollierte Fallback-Kette.",
    token: "Zugangstoken", signIn: "Anmelden", signOut: "Abmelden", refresh: "Aktualisieren",
    metrics: "Kennzahlen", videos: "Videos", audit: "Prüfprotokoll", review: "Freigabe",
    rate: "Rate", threshold: "Gut / Warnung / Kritisch", fallbacks: "Fallbacks nach Grund",
    filterAll: "Alle, offene Entscheidungen zuerst", search: "Video-ID beginnt mit",
    none: "Nichts gefunden.", anonymized: "Anonymisiert", raw: "Roh (nicht anonymisiert)",
    noRaw: "Rohvideo nur für Prüfer", decide: "Entscheidung",
    reason: "Begründung (Pflicht, keine Patientendaten)", submit: "Entscheidung speichern",
    approve: "Zur Weitergabe freigeben", reject: "Ablehnen", retain: "Aufbewahren (nie freigegeben)",
    reprocess: "Neu verarbeiten", erase: "Rohdateien löschen", decided: "Entscheidung gespeichert.",
    imported: "Importiert", by: "von", viewerOnly: "Entscheidungen brauchen ein Prüfer-Token.",
    undecided: "Offen", awaiting_review: "Wartet auf Prüfung", released: "Freigegeben",
    rejected: "Abgelehnt", quarantined: "Quarantäne, entscheiden", retained: "Aufbewahrt",
    erased: "Gelöscht", close: "Schließen",
    rateSuccess: "Anonymisierungserfolg", rateFallback: "Fallback-Nutzung",
    rateFailure: "Importfehler", allTime: "Gesamt", last24h: "Letzte 24 h",
    last100: "Letzte 100 Importe",
  },
};

const LANG = (navigator.languages || [navigator.language || "en"])
  .map((tag) => tag.slice(0, 2).toLowerCase()).find((tag) => tag in TEXTS) || "en";

function t(key) { return TEXTS[LANG][key] || TEXTS.en[key] || key; }

function localTime(iso) {
  return iso ? new Date(iso).toLocaleString(LANG === "de" ? "de-DE" : "en-GB") : "";
}

function translatePage() {
  document.documentElement.lang = LANG;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
}

translatePage();
