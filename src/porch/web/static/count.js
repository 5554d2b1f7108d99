/* Porch embed (MIT), built from embed/ */
"use strict";(()=>{var l={comments:"{n} comment|{n} comments",empty:"No comments yet. Start the conversation!",sort:"Sort comments",oldest:"Oldest",newest:"Newest",best:"Best",reply:"Reply",edit:"Edit",del:"Delete",sure:"Delete for good?",cancel:"Cancel",save:"Save",post:"Post comment",postReply:"Post reply",sending:"Sending…",preview:"Preview",nothing:"Nothing to preview yet.",placeholder:"Join the conversation…",replyTo:"Reply to {name}…",markdown:"Markdown supported",name:"Name",email:"Email (never shown)",website:"Website",anonymous:"Anonymous",removed:"This comment was removed.",pending:"Awaiting moderation",held:"Thanks! Your comment will appear once a moderator approves it.",more:"Show {n} more comment|Show {n} more comments",up:"Upvote",down:"Downvote",edited:"edited",inReplyTo:"in reply to {name}",signIn:"Sign in",signOut:"Sign out",signedIn:"Signed in as {name}",password:"Password",link:"Email me a sign-in link",linkSent:"Check your inbox and paste the link from the email here:",linkLabel:"Sign-in link",error:"Something went wrong. Please try again.",loadError:"Comments could not be loaded.",retry:"Try again",author:"Author",moderator:"Moderator",by:"Comment by {name}",replies:"Replies to {name}",label:"Comments",newComment:"New comment by {name}",now:"just now"};var p=`{n} commentaire|{n} commentaires
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
Auteur
Modérateur
Commentaire de {name}
Réponses à {name}
Commentaires
Nouveau commentaire de {name}
à l’instant`;var f=`{n} Kommentar|{n} Kommentare
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
Autor
Moderation
Kommentar von {name}
Antworten an {name}
Kommentare
Neuer Kommentar von {name}
gerade eben`;var x=Object.keys(l),w={fr:p,de:f},y=n=>{let e=(n||"").slice(0,2).toLowerCase();return w[e]?e:"en"},h=(n,e={})=>n.replace(/\{(\w+)\}/g,(t,r)=>String(e[r]??"")),M=[["year",31536e3],["month",2592e3],["week",604800],["day",86400],["hour",3600],["minute",60]];function b(n){let e=(w[n]||"").split(`
`),t={};x.forEach((o,s)=>{t[o]=e[s]||l[o]});let r=new Intl.PluralRules(n),a=new Intl.RelativeTimeFormat(n,{numeric:"auto"}),m=new Intl.DateTimeFormat(n,{dateStyle:"long",timeStyle:"short"}),i=new Intl.NumberFormat(n);return{lang:n,t:(o,s)=>h(t[o],s),n:(o,s)=>h(t[o].split("|")[r.select(s)==="one"?0:1],{n:i.format(s)}),ago(o){let s=(Date.parse(o)-Date.now())/1e3;for(let[c,g]of M)if(Math.abs(s)>=g)return a.format(Math.round(s/g),c);return t.now},date:o=>m.format(new Date(o))}}function T(){return document.currentScript||document.querySelector("script[data-porch-site]")}var S=(n,e,t)=>e.includes(n||"")?n:t;function v(n){let e=n.dataset,t=document.querySelector("link[rel=canonical]");return{base:new URL(n.src,location.href).origin,site:e.porchSite||"",uri:e.porchUri||t&&t.href||location.href.split("#")[0],title:e.porchTitle||document.title,lang:y(e.porchLang||navigator.language),theme:S(e.porchTheme,["light","dark","auto"],"auto"),sort:S(e.porchSort,["oldest","newest","best"],"oldest"),limit:Math.min(200,Math.max(1,Number(e.porchLimit)||50)),target:e.porchTarget||"#porch-thread"}}var C="porch:",u=new Map;function L(n){if(!u.has(n)){let e=null;try{let t=localStorage.getItem(C+n);e=t?JSON.parse(t):null}catch{}u.set(n,e)}return u.get(n)}var k=()=>L("session");var d=class extends Error{constructor(t,r){super(r&&r.detail||"HTTP "+t);this.fields={};this.status=t,this.code=r&&r.code||"";for(let a of r&&r.errors||[])this.fields[a.field]=a.message}};async function E(n,e,t,r,a={}){let m=k();e!=="GET"&&(a["Content-Type"]="application/json",m&&(a.Authorization="Bearer "+m.token));let i=await fetch(n.base+"/api/v1/"+t,{method:e,headers:a,body:r===void 0?void 0:JSON.stringify(r),credentials:"omit",mode:"cors"});if(i.status===204)return null;let o=await i.json().catch(()=>null);if(!i.ok)throw new d(i.status,o);return o}var R=200;async function A(){let n=T();if(!n)return;let e=v(n),t=b(e.lang),r=Array.from(document.querySelectorAll("[data-porch-count]")),a=i=>new URL(i.dataset.porchCount||i.getAttribute("href")||"",location.href).href.split("#")[0],m=Array.from(new Set(r.map(a)));for(let i=0;i<m.length;i+=R){let{counts:o}=await E(e,"POST","counts",{site:e.site,uris:m.slice(i,i+R)});for(let s of r){let c=o[a(s)];c!==void 0&&(s.textContent=t.n("comments",c))}}}document.readyState==="loading"?document.addEventListener("DOMContentLoaded",A):A();})();
