"""Role checks for views."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from agencia.auth.modelos import ROLES_PERSONAL


def rol_requerido(*roles: str):
    """Only these roles may use the view. A cliente gets 404 (staff pages do not exist
    for the portal); staff without the role get 403."""

    def decorador(vista):
        @wraps(vista)
        @login_required
        def envuelta(*args, **kwargs):
            if current_user.rol not in roles:
                abort(404 if current_user.es_cliente else 403)
            return vista(*args, **kwargs)

        return envuelta

    return decorador


personal_requerido = rol_requerido(*ROLES_PERSONAL)
cliente_requerido = rol_requerido("cliente")
