// Spanish: one message per line, in the order of the keys in en.ts.
export default `{n} comentario|{n} comentarios
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
Comentarios con Porch`
