"""The demo's fixed data: users, acreedores with their products, and the word lists that
make generated deudores look like real people of Colombia and Chile."""

CLAVE_DEMO = "demo1234"

# (usuario, nombre, rol, acreedor_codigo): printed by `make run` as the demo logins.
USUARIOS_DEMO = [
    ("admin", "Claudia Patricia Londoño", "admin", None),
    ("supervisor", "Hernán Darío Cifuentes", "supervisor", None),
    ("agente1", "Valentina Ríos Arango", "agente", None),
    ("agente2", "Santiago Morales Bedoya", "agente", None),
    ("agente3", "Daniela Ortiz Zapata", "agente", None),
    ("abogado", "Ricardo Villamizar Toro", "abogado", None),
    ("cliente-bancoandino", "Marcela Duarte Peña", "cliente", "BANCOANDINO"),
    ("cliente-telcosur", "Felipe Arbeláez Gil", "cliente", "TELCOSUR"),
    ("cliente-retailcl", "Francisca Muñoz Soto", "cliente", "RETAILCL"),
]

# parte: share of the demo casos. productos: (name, lowest capital, highest capital).
ACREEDORES_DEMO = [
    {
        "codigo": "BANCOANDINO", "nombre": "Banco Andino S.A.", "nit": "900.512.347-1",
        "pais": "CO", "moneda": "COP", "zona_horaria": "America/Bogota", "parte": 0.45,
        "prefijo": "BA", "factura": "PG", "empresas": 0.05,
        "productos": [("Tarjeta de crédito", 800_000, 18_000_000),
                      ("Crédito de consumo", 2_000_000, 25_000_000),
                      ("Crédito de libranza", 3_000_000, 25_000_000),
                      ("Crédito vehicular", 8_000_000, 25_000_000),
                      ("Sobregiro", 150_000, 3_000_000)],
    },
    {
        "codigo": "TELCOSUR", "nombre": "Telcosur Comunicaciones S.A.S.", "nit": "901.238.456-3",
        "pais": "CO", "moneda": "COP", "zona_horaria": "America/Bogota", "parte": 0.30,
        "prefijo": "TS", "factura": "FE", "empresas": 0.04,
        "productos": [("Plan pospago", 150_000, 900_000), ("Internet hogar", 150_000, 1_200_000),
                      ("Equipo financiado", 600_000, 4_500_000),
                      ("Triple play", 250_000, 1_800_000)],
    },
    {
        "codigo": "RETAILCL", "nombre": "Retail Austral SpA", "nit": "76.543.210-3",
        "pais": "CL", "moneda": "CLP", "zona_horaria": "America/Santiago", "parte": 0.25,
        "prefijo": "RA", "factura": "BE", "empresas": 0.0,
        "productos": [("Tarjeta Austral", 150_000, 6_000_000),
                      ("Crédito en cuotas", 300_000, 12_000_000),
                      ("Avance en efectivo", 150_000, 3_000_000),
                      ("Súper avance", 500_000, 15_000_000)],
    },
]

NOMBRES_MUJER = [
    "María Fernanda", "Luz Marina", "Ana María", "Paola Andrea", "Diana Marcela", "Sandra Milena",
    "Claudia Patricia", "Carolina", "Natalia", "Adriana", "Yolanda", "Gloria Inés", "Martha Lucía",
    "Juliana", "Laura Camila", "Valeria", "Angélica", "Lina Marcela", "Beatriz", "Catalina",
]
NOMBRES_HOMBRE = [
    "Juan Carlos", "Luis Alberto", "Jorge Enrique", "Carlos Andrés", "José Manuel", "Andrés Felipe",
    "Diego Alejandro", "Óscar Iván", "Jhon Jairo", "Fabio", "Hernán", "Camilo", "Mauricio",
    "Sebastián", "Julián David", "Ricardo", "Édgar", "William", "Germán", "Nelson",
]
NOMBRES_CHILE = [
    "Francisca", "Constanza", "Javiera", "Catalina", "Fernanda", "Valentina", "Camila", "Daniela",
    "Matías", "Benjamín", "Cristóbal", "Felipe", "Ignacio", "Sebastián", "Rodrigo", "Gonzalo",
    "Patricio", "Claudio", "Marcela", "Alejandra",
]
APELLIDOS = [
    "Gómez", "Rodríguez", "Martínez", "García", "López", "González", "Hernández", "Pérez",
    "Ramírez", "Sánchez", "Torres", "Díaz", "Vargas", "Castro", "Rojas", "Moreno", "Jiménez",
    "Restrepo", "Ospina", "Cárdenas", "Mejía", "Salazar", "Quintero", "Arango", "Zapata",
    "Cifuentes", "Villamizar", "Peña", "Ortiz", "Muñoz", "Álvarez", "Ruiz", "Guzmán", "Osorio",
]
APELLIDOS_CHILE = [
    "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez",
    "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya",
    "Flores", "Espinoza", "Valenzuela", "Castillo", "Tapia", "Reyes", "Gutiérrez", "Carrasco",
]
EMPRESAS = [
    "Comercializadora Los Andes", "Inversiones El Roble", "Distribuciones La Sabana",
    "Transportes del Caribe", "Ferretería El Tornillo", "Panadería La Espiga",
    "Constructora Altos del Río", "Servicios Agrícolas del Huila", "Textiles San Bernardo",
]
CIUDADES_CO = [
    ("Bogotá", "601"), ("Medellín", "604"), ("Cali", "602"), ("Barranquilla", "605"),
    ("Cartagena", "605"), ("Bucaramanga", "607"), ("Pereira", "606"), ("Manizales", "606"),
    ("Cúcuta", "607"), ("Ibagué", "608"), ("Santa Marta", "605"), ("Villavicencio", "608"),
]
CIUDADES_CL = [
    "Santiago", "Valparaíso", "Viña del Mar", "Concepción", "Antofagasta", "Temuco",
    "La Serena", "Rancagua", "Puerto Montt", "Talca",
]
VIAS_CO = ["Calle", "Carrera", "Avenida Calle", "Transversal", "Diagonal", "Avenida Carrera"]
CALLES_CL = [
    "Av. Providencia", "Los Aromos", "Av. Libertador Bernardo O'Higgins", "Pasaje Las Camelias",
    "Av. Vicuña Mackenna", "Los Carrera", "Av. Pedro de Valdivia", "Gran Avenida José Miguel Carrera",
]
DOMINIOS = ["correo.example", "example.com", "mail.example", "example.net"]

# Past gestiones: (canal, weight) and, per canal, (resultado, weight).
CANALES_GESTION = [("llamada", 55), ("whatsapp", 15), ("email", 15), ("sms", 10), ("carta", 5)]
RESULTADOS_POR_CANAL = {
    "llamada": [("no_contesta", 30), ("titular_contactado", 20), ("promesa_pago", 12),
                ("volver_llamar", 12), ("tercero", 8), ("mensaje_dejado", 8),
                ("numero_errado", 5), ("negativa", 5)],
    "whatsapp": [("mensaje_dejado", 60), ("titular_contactado", 25), ("promesa_pago", 15)],
    "email": [("mensaje_dejado", 80), ("titular_contactado", 20)],
    "sms": [("mensaje_dejado", 100)],
    "carta": [("carta_generada", 100)],
}
NOTAS = {
    "no_contesta": ["Timbra sin respuesta.", "Buzón de voz; no se deja mensaje.",
                    "Teléfono apagado.", "Suena ocupado en dos intentos."],
    "titular_contactado": [
        "Titular reconoce la deuda y pide el estado de cuenta por correo.",
        "Se explica el saldo en mora; el titular revisará su presupuesto y devolverá la llamada.",
        "Titular indica que está sin empleo desde hace dos meses; se le explican opciones de pago.",
        "Titular pregunta por descuento en intereses; se le informa que se consultará.",
    ],
    "promesa_pago": ["Titular se compromete a pagar {monto} el {fecha}.",
                     "Acuerda abono de {monto} para el {fecha}; pagará por PSE.",
                     "Promete consignar {monto} el {fecha}, cuando reciba la quincena."],
    "volver_llamar": ["Titular ocupado; pide que lo llamen el {fecha} en la mañana.",
                      "Titular en reunión; solicita llamada el {fecha} después de las 2 p. m."],
    "tercero": ["Atiende un familiar; se deja recado para que el titular se comunique.",
                "Contesta compañero de trabajo; no se da información de la obligación."],
    "mensaje_dejado": ["Se envía recordatorio del saldo en mora con el enlace de pago.",
                       "Mensaje con el estado de cuenta; sin respuesta.",
                       "Se envía propuesta de normalización de la obligación."],
    "numero_errado": ["El número pertenece a otra persona; se marca para verificar.",
                      "Número fuera de servicio."],
    "negativa": ["Titular manifiesta que no pagará hasta recibir soporte de la deuda.",
                 "Titular no reconoce el cobro de intereses; se le explica la liquidación."],
    "carta_generada": ["Carta de cobro prejurídico enviada a la dirección registrada."],
}
