/* Porch embed — MIT — built by `make embed` from embed/src */
"use strict";(()=>{var l={comments:"{n} comment|{n} comments",empty:"No comments yet. Start the conversation!",sort:"Sort comments",oldest:"Oldest",newest:"Newest",best:"Best",reply:"Reply",edit:"Edit",del:"Delete",sure:"Delete for good?",cancel:"Cancel",save:"Save",post:"Post comment",postReply:"Post reply",sending:"Sending…",preview:"Preview",nothing:"Nothing to preview yet.",placeholder:"Join the conversation…",replyTo:"Reply to {name}…",markdown:"Markdown supported",name:"Name",email:"Email (never shown)",website:"Website",anonymous:"Anonymous",removed:"This comment was removed.",pending:"Awaiting moderation",held:"Thanks! Your comment will appear once a moderator approves it.",more:"Show {n} more comment|Show {n} more comments",up:"Upvote",down:"Downvote",edited:"edited",inReplyTo:"in reply to {name}",signIn:"Sign in",signOut:"Sign out",signedIn:"Signed in as {name}",password:"Password",link:"Email me a sign-in link",linkSent:"Check your inbox and paste the link from the email here:",linkLabel:"Sign-in link",error:"Something went wrong. Please try again.",loadError:"Comments could not be loaded.",retry:"Try again",permalink:"Link to this comment",author:"Author",moderator:"Moderator",by:"Comment by {name}",replies:"Replies to {name}",label:"Comments",newComment:"New comment by {name}",now:"just now",powered:"Comments by Porch"};var p=`{n} commentaire|{n} commentaires
Aucun commentaire pour l’instant. Lancez la conversation !
Trier les commentaires
Plus anciens
Plus récents
Meilleurs
Répondre
Modifier
Supprimer
Supprimer définitivement ?
Annuler
Enregistrer
Publier
Publier la réponse
Envoi…
Aperçu
Rien à prévisualiser.
Participez à la conversation…
Répondre à {name}…
Markdown accepté
Nom
E-mail (jamais affiché)
Site web
Anonyme
Ce commentaire a été supprimé.
En attente de modération
Merci ! Votre commentaire apparaîtra après validation par un modérateur.
Afficher {n} commentaire de plus|Afficher {n} commentaires de plus
Voter pour
Voter contre
modifié
en réponse à {name}
Se connecter
Se déconnecter
Connecté en tant que {name}
Mot de passe
Recevoir un lien de connexion
Consultez votre boîte mail et collez ici le lien reçu :
Lien de connexion
Une erreur est survenue. Veuillez réessayer.
Impossible de charger les commentaires.
Réessayer
Lien vers ce commentaire
Auteur
Modérateur
Commentaire de {name}
Réponses à {name}
Commentaires
Nouveau commentaire de {name}
à l’instant
Commentaires par Porch`;var g=`{n} Kommentar|{n} Kommentare
Noch keine Kommentare. Beginnen Sie das Gespräch!
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
Link zu diesem Kommentar
Autor
Moderation
Kommentar von {name}
Antworten an {name}
Kommentare
Neuer Kommentar von {name}
gerade eben
Kommentare mit Porch`;var f=`{n} comentario|{n} comentarios
Aún no hay comentarios. ¡Empieza la conversación!
Ordenar comentarios
Más antiguos
Más recientes
Mejores
Responder
Editar
Eliminar
¿Eliminar definitivamente?
Cancelar
Guardar
Publicar
Publicar respuesta
Enviando…
Vista previa
Nada que previsualizar.
Únete a la conversación…
Responder a {name}…
Se admite Markdown
Nombre
Correo (nunca se muestra)
Sitio web
Anónimo
Este comentario fue eliminado.
Pendiente de moderación
¡Gracias! Tu comentario aparecerá cuando lo apruebe un moderador.
Mostrar {n} comentario más|Mostrar {n} comentarios más
Votar a favor
Votar en contra
editado
en respuesta a {name}
Iniciar sesión
Cerrar sesión
Sesión iniciada como {name}
Contraseña
Enviarme un enlace de acceso
Revisa tu correo y pega aquí el enlace recibido:
Enlace de acceso
Algo salió mal. Inténtalo de nuevo.
No se pudieron cargar los comentarios.
Reintentar
Enlace a este comentario
Autor
Moderador
Comentario de {name}
Respuestas a {name}
Comentarios
Nuevo comentario de {name}
ahora mismo
Comentarios con Porch`;var A=Object.keys(l),w={fr:p,de:g,es:f},y=n=>{let e=(n||"").slice(0,2).toLowerCase();return w[e]?e:"en"},h=(n,e={})=>n.replace(/\{(\w+)\}/g,(t,r)=>String(e[r]??"")),M=[["year",31536e3],["month",2592e3],["week",604800],["day",86400],["hour",3600],["minute",60]];function b(n){let e=(w[n]||"").split(`
`),t={};A.forEach((o,a)=>{t[o]=e[a]||l[o]});let r=new Intl.PluralRules(n),s=new Intl.RelativeTimeFormat(n,{numeric:"auto"}),m=new Intl.DateTimeFormat(n,{dateStyle:"long",timeStyle:"short"}),i=new Intl.NumberFormat(n);return{lang:n,t:(o,a)=>h(t[o],a),n:(o,a)=>h(t[o].split("|")[r.select(a)==="one"?0:1],{n:i.format(a)}),ago(o){let a=(Date.parse(o)-Date.now())/1e3;for(let[c,u]of M)if(Math.abs(a)>=u)return s.format(Math.round(a/u),c);return t.now},date:o=>m.format(new Date(o))}}function v(){return document.currentScript||document.querySelector("script[data-porch-site]")}var S=(n,e,t)=>e.includes(n||"")?n:t;function k(n){let e=n.dataset,t=document.querySelector("link[rel=canonical]");return{base:new URL(n.src,location.href).origin,site:e.porchSite||"",uri:e.porchUri||t&&t.href||location.href.split("#")[0],title:e.porchTitle||document.title,lang:y(e.porchLang||navigator.language),theme:S(e.porchTheme,["light","dark","auto"],"auto"),sort:S(e.porchSort,["oldest","newest","best"],"oldest"),limit:Math.min(200,Math.max(1,Number(e.porchLimit)||50)),target:e.porchTarget||"#porch-thread"}}var x="porch:";function P(n){try{let e=localStorage.getItem(x+n);return e?JSON.parse(e):null}catch{return null}}var T=()=>P("session");var d=class extends Error{constructor(t,r){super(r&&r.detail||"HTTP "+t);this.fields={};this.status=t,this.code=r&&r.code||"";for(let s of r&&r.errors||[])this.fields[s.field]=s.message}};async function E(n,e,t,r,s={}){let m=T();e!=="GET"&&(s["Content-Type"]="application/json",m&&(s.Authorization="Bearer "+m.token));let i=await fetch(n.base+"/api/v1/"+t,{method:e,headers:s,body:r===void 0?void 0:JSON.stringify(r),credentials:"omit",mode:"cors"});if(i.status===204)return null;let o=await i.json().catch(()=>null);if(!i.ok)throw new d(i.status,o);return o}var R=200;async function C(){let n=v();if(!n)return;let e=k(n),t=b(e.lang),r=Array.from(document.querySelectorAll("[data-porch-count]")),s=i=>new URL(i.dataset.porchCount||i.getAttribute("href")||"",location.href).href.split("#")[0],m=Array.from(new Set(r.map(s)));for(let i=0;i<m.length;i+=R){let{counts:o}=await E(e,"POST","counts",{site:e.site,uris:m.slice(i,i+R)});for(let a of r){let c=o[s(a)];c!==void 0&&(a.textContent=t.n("comments",c))}}}document.readyState==="loading"?document.addEventListener("DOMContentLoaded",C):C();})();
