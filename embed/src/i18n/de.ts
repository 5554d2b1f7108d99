// German: one message per line, in the order of the keys in en.ts.
export default `Noch keine Kommentare. Beginnen Sie das Gespräch!
Kommentare sortieren
Älteste
Neueste
Beste
Antworten
Bearbeiten
Löschen
Endgültig löschen?
Abbrechen
Speichern
Kommentar senden
Antwort senden
Wird gesendet…
Vorschau
Noch nichts zur Vorschau.
Diskutieren Sie mit…
Antwort an {name}…
Markdown möglich
Name
E-Mail (wird nie angezeigt)
Website
Anonym
Dieser Kommentar wurde entfernt.
Wartet auf Freigabe
Danke! Ihr Kommentar erscheint, sobald ihn jemand aus der Moderation freigibt.
{n} weiteren Kommentar zeigen|{n} weitere Kommentare zeigen
Positiv bewerten
Negativ bewerten
bearbeitet
als Antwort auf {name}
Anmelden
Abmelden
Angemeldet als {name}
Passwort
Anmeldelink per E-Mail
Öffnen Sie Ihr Postfach und fügen Sie den Link aus der E-Mail hier ein:
Anmeldelink
Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.
Die Kommentare konnten nicht geladen werden.
Erneut versuchen
Autor
Moderation
Kommentar von {name}
Antworten an {name}
Kommentare
Neuer Kommentar von {name}
gerade eben
Angeheftet`
