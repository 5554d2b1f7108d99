/* Porch embed (MIT), built from embed/ */
"use strict";(()=>{var l={comments:"{n} comment|{n} comments",empty:"No comments yet. Start the conversation!",sort:"Sort comments",oldest:"Oldest",newest:"Newest",best:"Best",reply:"Reply",edit:"Edit",del:"Delete",sure:"Delete for good?",cancel:"Cancel",save:"Save",post:"Post comment",postReply:"Post reply",sending:"Sending…",preview:"Preview",nothing:"Nothing to preview yet.",placeholder:"Join the conversation…",replyTo:"Reply to {name}…",markdown:"Markdown supported",name:"Name",email:"Email (never shown)",website:"Website",anonymous:"Anonymous",removed:"This comment was removed.",pending:"Awaiting moderation",held:"Thanks! Your comment will appear once a moderator approves it.",more:"Show {n} more comment|Show {n} more comments",up:"Upvote",down:"Downvote",edited:"edited",inReplyTo:"in reply to {name}",signIn:"Sign in",signOut:"Sign out",signedIn:"Signed in as {name}",password:"Password",link:"Email me a sign-in link",linkSent:"Check your inbox and paste the link from the email here:",linkLabel:"Sign-in link",error:"Something went wrong. Please try again.",loadError:"Comments could not be loaded.",retry:"Try again",author:"Author",moderator:"Moderator",by:"Comment by {name}",replies:"Replies to {name}",label:"Comments",newComment:"New comment by {name}",now:"just now"};var h=`{n} commentaire|{n} commentaires
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
à l’instant`;var w=`{n} Kommentar|{n} Kommentare
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
gerade eben`;var C=Object.keys(l),b={fr:h,de:w},S=e=>{let n=(e||"").slice(0,2).toLowerCase();return b[n]?n:"en"},y=(e,n)=>{for(let t in n)e=e.split("{"+t+"}").join(String(n[t]));return e},L=[["year",31536e3],["month",2592e3],["week",604800],["day",86400],["hour",3600],["minute",60]];function T(e){let n=(b[e]||"").split(`
`),t={};C.forEach((i,s)=>{t[i]=n[s]||l[i]});let r=new Intl.PluralRules(e),a=new Intl.RelativeTimeFormat(e,{numeric:"auto"}),m=new Intl.DateTimeFormat(e,{dateStyle:"long",timeStyle:"short"}),o=new Intl.NumberFormat(e),c={};return{lang:e,t:(i,s)=>y(t[i],s),n:(i,s)=>y(t[i].split("|")[r.select(s)==="one"?0:1],{n:o.format(s)}),ago(i){let s=(Date.parse(i)-Date.now())/1e3;for(let[g,p]of L){let f=Math.round(s/p);if(Math.abs(s)>=p)return c[f+g]??=a.format(f,g)}return t.now},date:i=>m.format(new Date(i))}}function v(){return document.currentScript||document.querySelector("script[data-porch-site]")}var k=(e,n,t)=>n.includes(e||"")?e:t;function E(e){let n=e.dataset,t=document.querySelector("link[rel=canonical]");return{base:new URL(e.src,location.href).origin,site:n.porchSite||"",uri:n.porchUri||t&&t.href||location.href.split("#")[0],title:n.porchTitle||document.title,lang:S(n.porchLang||navigator.language),theme:k(n.porchTheme,["light","dark","auto"],"auto"),sort:k(n.porchSort,["oldest","newest","best"],"oldest"),limit:Math.min(200,Math.max(1,Number(n.porchLimit)||50)),target:n.porchTarget||"#porch-thread"}}var N="porch:",u=new Map;function P(e){if(!u.has(e)){let n=null;try{let t=localStorage.getItem(N+e);n=t?JSON.parse(t):null}catch{}u.set(e,n)}return u.get(e)}var R=()=>P("session");var d=class extends Error{constructor(t,r){super(r&&r.detail||"HTTP "+t);this.fields={};this.status=t,this.code=r&&r.code||"";for(let a of r&&r.errors||[])this.fields[a.field]=a.message}};async function A(e,n,t,r,a={}){let m=R();n!=="GET"&&(a["Content-Type"]="application/json",m&&(a.Authorization="Bearer "+m.token));let o=await fetch(e.base+"/api/v1/"+t,{method:n,headers:a,body:r===void 0?void 0:JSON.stringify(r),credentials:"omit",mode:"cors"});if(o.status===204)return null;let c=await o.json().catch(()=>null);if(!o.ok)throw new d(o.status,c);return c}var x=200;async function M(){let e=v();if(!e)return;let n=E(e),t=T(n.lang),r=Array.from(document.querySelectorAll("[data-porch-count]")),a=o=>new URL(o.dataset.porchCount||o.getAttribute("href")||"",location.href).href.split("#")[0],m=Array.from(new Set(r.map(a)));for(let o=0;o<m.length;o+=x){let{counts:c}=await A(n,"POST","counts",{site:n.site,uris:m.slice(o,o+x)});for(let i of r){let s=c[a(i)];s!==void 0&&(i.textContent=t.n("comments",s))}}}document.readyState==="loading"?document.addEventListener("DOMContentLoaded",M):M();})();
