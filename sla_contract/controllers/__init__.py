from . import ticket_close
