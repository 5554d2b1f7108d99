// French: one message per line, in the order of the keys in en.ts.
export default `Aucun commentaire pour l’instant. Lancez la conversation !
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
à l’instant
Épinglé`
