"""Daily rollups computed from a small world whose figures are worked out by hand.

The day D is three local days ago (Bogotá, UTC−5). Gestiones at 00:00:30 and 23:59 local
time count for D although their UTC date differs; those at 23:59 the day before and 00:01
the day after do not.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agencia.acuerdos.modelos import Acuerdo
from agencia.asignaciones.modelos import LoteAsignacion
from agencia.bandejas.modelos import SesionTrabajo
from agencia.casos.modelos import CambioEtapa, Caso, Gestion, Obligacion
from agencia.deudores.modelos import Deudor
from agencia.extensiones import db
from agencia.honorarios.modelos import Honorario
from agencia.metricas import calculo
from agencia.metricas.modelos import (
    MetricaAcreedorDia,
    MetricaAgenteDia,
    MetricaCarteraDia,
    MetricaLote,
)
from agencia.pagos.modelos import ImputacionPago, Pago
from agencia.promesas.modelos import Promesa

BOGOTA = ZoneInfo("America/Bogota")


def dinero(valor) -> Decimal:
    return Decimal(valor).quantize(Decimal("0.01"))


def local(dia: date, hora: int, minuto: int = 0, segundo: int = 0) -> datetime:
    """A local Bogotá time as the UTC instant stored in the database."""
    return datetime.combine(dia, time(hora, minuto, segundo), tzinfo=BOGOTA).astimezone(UTC)


class Mundo:
    """Two agents, two acreedores, four casos, two placement lotes (see the module doc)."""

    def __init__(self, crear_acreedor, crear_usuario):
        self.hoy = calculo.hoy_local()
        d = self.dia = self.hoy - timedelta(days=3)
        self.a = crear_acreedor("ACME")
        self.b = crear_acreedor("BETA")
        self.u1 = crear_usuario("agente1")
        self.u2 = crear_usuario("agente2")
        self.lote_a = self._lote(self.a, d - timedelta(days=70))
        self.lote_b = self._lote(self.b, d - timedelta(days=10))
        self.c1 = self._caso(self.a, self.u1, self.lote_a, "1000", "0", d - timedelta(days=45),
                             "negociacion", "600")
        self.c2 = self._caso(self.a, self.u2, self.lote_a, "500", "100", d - timedelta(days=100),
                             "acuerdo", "400")
        self.c3 = self._caso(self.b, self.u1, self.lote_b, "2000", "0", d - timedelta(days=20),
                             "prejuridico", "1400")
        self.c4 = self._caso(self.a, None, None, "10", "0", None, "prejuridico", "10")

        # Gestiones.
        self._gestion(self.c1, self.u1, "titular_contactado", local(d, 8))
        self._gestion(self.c1, self.u1, "no_contesta", local(d, 9))
        self._gestion(self.c1, self.u1, "promesa_pago", local(d, 23, 59))
        self._gestion(self.c1, self.u1, "negativa", local(d - timedelta(days=1), 23, 59))
        self._gestion(self.c1, self.u1, "negativa", local(d + timedelta(days=1), 0, 1))
        self._gestion(self.c3, self.u1, "negativa", local(d, 10))
        self._gestion(self.c2, self.u2, "ya_pago", local(d, 0, 0, 30))
        self._gestion(self.c2, self.u2, "tercero", local(d, 11))
        self._gestion(self.c2, None, "carta_generada", local(d, 12))

        # Promesas: made on D (at 23:59 local), due on D kept / broken, made the day before.
        self._promesa(self.c1, self.u1, "300", d + timedelta(days=5), local(d, 23, 59))
        self._promesa(self.c1, self.u1, "80", d, local(d - timedelta(days=5), 10), "cumplida")
        self._promesa(self.c2, self.u2, "90", d, local(d - timedelta(days=5), 10), "incumplida")
        self._promesa(self.c2, self.u2, "70", d + timedelta(days=3),
                      local(d - timedelta(days=1), 23))

        # Pagos (monto, credito) with their imputaciones and fee lines.
        o1, o2, o3 = (c.obligaciones[0] for c in (self.c1, self.c2, self.c3))
        p1 = self._pago(self.c1, o1, "400", "0", d, "prejuridico")
        p2 = self._pago(self.c2, o2, "250", "50", d, "negociacion")
        p3 = self._pago(self.c3, o3, "1000", "0", d - timedelta(days=2), "prejuridico",
                        reversado_en=local(d, 15))
        p4 = self._pago(self.c3, o3, "600", "0", d, "prejuridico")
        self._pago(self.c1, o1, "100", "0", d - timedelta(days=65), "prejuridico")
        self._pago(self.c1, o1, "50", "0", d - timedelta(days=25), "prejuridico")
        self._honorario(p1, "cargo", "40", d)
        self._honorario(p2, "cargo", "20", d)
        self._honorario(p3, "cargo", "100", d - timedelta(days=2))
        self._honorario(p3, "reversa", "-100", d)
        self._honorario(p4, "cargo", "60", d)

        # Work sessions: 20 min and 90 s on D, one open, one started the day before.
        self._sesion(self.c1, self.u1, local(d, 8), local(d, 8, 20))
        self._sesion(self.c1, self.u1, local(d, 9), None)
        self._sesion(self.c3, self.u1, local(d, 10), local(d, 10, 1, 30))
        self._sesion(self.c2, self.u2, local(d - timedelta(days=1), 23, 50), local(d, 0, 10))

        # Stage changes and acuerdos.
        self._cambio(self.c1, "prejuridico", "negociacion", local(d, 14))
        self._cambio(self.c2, "negociacion", "acuerdo", local(d, 16))
        self._cambio(self.c3, "negociacion", "juridico", local(d + timedelta(days=1), 0, 30))
        self._acuerdo(self.c2, "vigente", local(d, 16), quita_capital="50",
                      quita_intereses="100")
        self._acuerdo(self.c1, "cumplido", local(d - timedelta(days=1), 16), quita_capital="5")
        self._acuerdo(self.c3, "pendiente_supervisor", None, quita_capital="7")
        db.session.commit()

    def _lote(self, acreedor, colocado: date):
        lote = LoteAsignacion(acreedor_id=acreedor.id, archivo="cartera.csv",
                              checksum=f"{acreedor.id}-{colocado}", creado_en=local(colocado, 12))
        db.session.add(lote)
        db.session.flush()
        return lote

    def _caso(self, acreedor, agente, lote, capital, intereses, vencimiento, etapa, saldo):
        n = db.session.query(Caso).count() + 1
        deudor = Deudor(tipo_documento="CC", numero_documento=f"900{n}", nombre=f"Deudor {n}")
        caso = Caso(acreedor_id=acreedor.id, deudor=deudor, etapa=etapa,
                    agente_id=agente.id if agente else None, vencimiento=vencimiento,
                    lote_id=lote.id if lote else None, saldo=dinero(saldo))
        caso.obligaciones.append(Obligacion(
            acreedor_id=acreedor.id, referencia=f"R-{n}", moneda="COP",
            fecha_vencimiento=vencimiento or self.hoy, capital=dinero(capital),
            intereses=dinero(intereses), gastos=dinero(0), saldo=dinero(saldo),
            lote_id=lote.id if lote else None))
        db.session.add(caso)
        db.session.flush()
        return caso

    def _gestion(self, caso, usuario, resultado, momento):
        db.session.add(Gestion(caso_id=caso.id, usuario_id=usuario.id if usuario else None,
                               canal="llamada", resultado=resultado, creado_en=momento))

    def _promesa(self, caso, usuario, monto, fecha, creada, estado="pendiente"):
        db.session.add(Promesa(acreedor_id=caso.acreedor_id, caso_id=caso.id,
                               monto=dinero(monto), fecha=fecha, estado=estado,
                               creado_por=usuario.id, creado_en=creada))

    def _pago(self, caso, obligacion, monto, credito, fecha, etapa, reversado_en=None):
        n = db.session.query(Pago).count() + 1
        pago = Pago(acreedor_id=caso.acreedor_id, caso_id=caso.id, monto=dinero(monto),
                    credito=dinero(credito), fecha=fecha, referencia_bancaria=f"REF-{n}",
                    moneda="COP", etapa=etapa,
                    estado="reversado" if reversado_en else "aplicado",
                    reversado_en=reversado_en)
        db.session.add(pago)
        db.session.flush()
        db.session.add(ImputacionPago(pago_id=pago.id, obligacion_id=obligacion.id,
                                      componente="capital",
                                      monto=dinero(monto) - dinero(credito)))
        return pago

    def _honorario(self, pago, tipo, monto, fecha):
        db.session.add(Honorario(acreedor_id=pago.acreedor_id, caso_id=pago.caso_id,
                                 pago_id=pago.id, tipo=tipo, etapa=pago.etapa, base=pago.monto,
                                 porcentaje=Decimal("10"), monto=dinero(monto), moneda="COP",
                                 fecha=fecha))

    def _sesion(self, caso, usuario, inicio, fin):
        db.session.add(SesionTrabajo(caso_id=caso.id, agente_id=usuario.id, inicio=inicio,
                                     fin=fin))

    def _cambio(self, caso, desde, hacia, momento):
        db.session.add(CambioEtapa(caso_id=caso.id, acreedor_id=caso.acreedor_id, desde=desde,
                                   hacia=hacia, creado_en=momento))

    def _acuerdo(self, caso, estado, vigente_desde, quita_capital="0", quita_intereses="0"):
        db.session.add(Acuerdo(
            acreedor_id=caso.acreedor_id, caso_id=caso.id, estado=estado, moneda="COP",
            deuda_capital=dinero(500), deuda_intereses=dinero(100), deuda_gastos=dinero(0),
            quita_capital=dinero(quita_capital), quita_intereses=dinero(quita_intereses),
            total_acordado=dinero(450), primera_fecha=self.dia, vigente_desde=vigente_desde))


@pytest.fixture
def mundo(crear_acreedor, crear_usuario):
    return Mundo(crear_acreedor, crear_usuario)


def filas_agentes(fecha):
    return {(f.usuario_id, f.acreedor_id): f for f in db.session.scalars(
        select(MetricaAgenteDia).where(MetricaAgenteDia.fecha == fecha))}


def filas_acreedores(fecha):
    return {f.acreedor_id: f for f in db.session.scalars(
        select(MetricaAcreedorDia).where(MetricaAcreedorDia.fecha == fecha))}


def como_tuplas(modelo, fecha=None):
    consulta = select(modelo)
    if fecha is not None:
        consulta = consulta.where(modelo.fecha == fecha)
    columnas = [c.key for c in modelo.__table__.columns if c.key not in ("id", "calculado_en")]
    return sorted(tuple(repr(getattr(f, c)) for c in columnas)
                  for f in db.session.scalars(consulta))


def test_metricas_por_agente_del_dia_local(mundo):
    calculo.calcular_dia(mundo.dia)
    db.session.commit()
    filas = filas_agentes(mundo.dia)
    assert set(filas) == {(mundo.u1.id, mundo.a.id), (mundo.u1.id, mundo.b.id),
                          (mundo.u2.id, mundo.a.id)}

    u1a = filas[mundo.u1.id, mundo.a.id]
    assert (u1a.gestiones, u1a.contactos_titular, u1a.casos_trabajados) == (3, 2, 1)
    assert (u1a.promesas, u1a.monto_prometido) == (1, dinero(300))
    assert (u1a.promesas_vencidas, u1a.promesas_cumplidas) == (1, 1)
    assert u1a.recuperado == dinero(400)
    assert u1a.segundos_trabajados == 1200

    u1b = filas[mundo.u1.id, mundo.b.id]
    assert (u1b.gestiones, u1b.contactos_titular, u1b.casos_trabajados) == (1, 1, 1)
    assert (u1b.promesas, u1b.monto_prometido) == (0, dinero(0))
    # 600 paid on D, minus the 1,000 paid two days before and reversed on D.
    assert u1b.recuperado == dinero(-400)
    assert u1b.segundos_trabajados == 90

    u2a = filas[mundo.u2.id, mundo.a.id]
    assert (u2a.gestiones, u2a.contactos_titular, u2a.casos_trabajados) == (2, 1, 1)
    assert (u2a.promesas, u2a.promesas_vencidas, u2a.promesas_cumplidas) == (0, 1, 0)
    assert u2a.recuperado == dinero(200)  # 250 received, 50 of it kept as credit
    assert u2a.segundos_trabajados == 0  # its session started the day before


def test_el_dia_siguiente_recibe_lo_que_paso_despues_de_medianoche(mundo):
    siguiente = mundo.dia + timedelta(days=1)
    calculo.calcular_dia(siguiente)
    anterior = mundo.dia - timedelta(days=1)
    calculo.calcular_dia(anterior)
    db.session.commit()
    assert filas_agentes(siguiente)[mundo.u1.id, mundo.a.id].gestiones == 1
    previo = filas_agentes(anterior)
    assert previo[mundo.u1.id, mundo.a.id].gestiones == 1
    assert previo[mundo.u2.id, mundo.a.id].promesas == 1  # made at 23:00 local
    assert previo[mundo.u2.id, mundo.a.id].segundos_trabajados == 1200
    assert filas_acreedores(siguiente)[mundo.b.id].transiciones == {"negociacion>juridico": 1}


def test_metricas_por_acreedor(mundo):
    calculo.calcular_dia(mundo.dia)
    db.session.commit()
    filas = filas_acreedores(mundo.dia)
    a, b = filas[mundo.a.id], filas[mundo.b.id]

    assert a.recuperado == dinero(600)
    assert a.honorarios == dinero(60)
    assert a.recuperado_por_etapa == {"negociacion": "200.00", "prejuridico": "400.00"}
    # c1 is 45 days past due on D, c2 100 days.
    assert a.recuperado_por_tramo == {"31-60": "400.00", "91-180": "200.00"}
    assert a.transiciones == {"negociacion>acuerdo": 1, "prejuridico>negociacion": 1}
    assert (a.acuerdos, a.quita_total, a.deuda_acordada) == (1, dinero(150), dinero(600))
    assert a.gestiones == 6  # the system's carta counts for the acreedor

    assert b.recuperado == dinero(-400)
    assert b.honorarios == dinero(-40)
    assert b.recuperado_por_etapa == {"prejuridico": "-400.00"}
    # The reversed payment was 18 days past due on its date, the new one 20: both 0-30.
    assert b.recuperado_por_tramo == {"0-30": "-400.00"}
    assert b.transiciones == {}
    assert (b.acuerdos, b.quita_total) == (0, dinero(0))
    assert b.gestiones == 1


def test_calcular_dos_veces_deja_las_mismas_filas(mundo):
    ayer = mundo.hoy - timedelta(days=1)
    calculo.calcular(mundo.dia, ayer)
    db.session.commit()
    primera = [como_tuplas(m) for m in (MetricaAgenteDia, MetricaAcreedorDia,
                                        MetricaCarteraDia, MetricaLote)]
    calculo.calcular(mundo.dia, ayer)
    db.session.commit()
    segunda = [como_tuplas(m) for m in (MetricaAgenteDia, MetricaAcreedorDia,
                                        MetricaCarteraDia, MetricaLote)]
    assert primera == segunda
    assert db.session.query(MetricaLote).count() == 2


def test_la_foto_de_cartera_solo_se_escribe_para_ayer_u_hoy(mundo):
    antigua = MetricaCarteraDia(fecha=mundo.dia, acreedor_id=mundo.a.id, lote_id=None,
                                etapa="prejuridico", tramo="0-30", casos=99,
                                saldo=dinero(12345))
    db.session.add(antigua)
    db.session.commit()

    assert calculo.calcular_dia(mundo.dia)["cartera"] is None
    ayer = mundo.hoy - timedelta(days=1)
    assert calculo.calcular_dia(ayer)["cartera"] == 4
    db.session.commit()

    assert como_tuplas(MetricaCarteraDia, mundo.dia) == [tuple(repr(v) for v in (
        mundo.dia, mundo.a.id, None, "prejuridico", "0-30", 99, dinero(12345)))]
    foto = {(f.acreedor_id, f.lote_id, f.etapa, f.tramo): (f.casos, f.saldo)
            for f in db.session.scalars(select(MetricaCarteraDia)
                                        .where(MetricaCarteraDia.fecha == ayer))}
    # Yesterday is D + 2: c1 is 47 days past due, c2 102, c3 22, c4 has no vencimiento.
    assert foto == {
        (mundo.a.id, mundo.lote_a.id, "negociacion", "31-60"): (1, dinero(600)),
        (mundo.a.id, mundo.lote_a.id, "acuerdo", "91-180"): (1, dinero(400)),
        (mundo.b.id, mundo.lote_b.id, "prejuridico", "0-30"): (1, dinero(1400)),
        (mundo.a.id, None, "prejuridico", "0-30"): (1, dinero(10)),
    }


def test_lotes_recuperado_a_30_60_90_dias_y_curva(mundo):
    assert calculo.calcular_lotes() == 2
    db.session.commit()
    lotes = {m.lote_id: m for m in db.session.scalars(select(MetricaLote))}

    a = lotes[mundo.lote_a.id]
    assert a.acreedor_id == mundo.a.id
    assert a.colocado_en == mundo.dia - timedelta(days=70)
    assert (a.casos, a.colocado) == (2, dinero(1600))
    # Paid on days 5 (100), 45 (50) and 70 (400 + 200 applied) after placement.
    assert (a.recuperado_30, a.recuperado_60, a.recuperado_90, a.recuperado) == (
        dinero(100), dinero(150), dinero(750), dinero(750))
    # Today is day 73: weeks 0 to 10.
    assert a.curva == [[0, "100.00"], [1, "100.00"], [2, "100.00"], [3, "100.00"],
                       [4, "100.00"], [5, "100.00"], [6, "150.00"], [7, "150.00"],
                       [8, "150.00"], [9, "150.00"], [10, "750.00"]]

    b = lotes[mundo.lote_b.id]
    # The reversed payment does not count.
    assert (b.casos, b.colocado, b.recuperado_30, b.recuperado) == (
        1, dinero(2000), dinero(600), dinero(600))
    assert b.curva == [[0, "0.00"], [1, "600.00"]]


def test_calcular_un_periodo_avisa_cada_dia(mundo):
    avances = []
    hechos = calculo.calcular(mundo.dia - timedelta(days=2), mundo.dia, al_avanzar=avances.append)
    db.session.commit()
    assert hechos == 3 and avances == [1, 2, 3]
    assert filas_agentes(mundo.dia)[mundo.u1.id, mundo.a.id].gestiones == 3
    assert db.session.query(MetricaLote).count() == 2
    assert db.session.query(MetricaCarteraDia).count() == 0  # no day was today or yesterday


def test_un_dia_sin_actividad_borra_lo_que_habia(mundo):
    calculo.calcular_dia(mundo.dia)
    db.session.commit()
    vacio = mundo.dia - timedelta(days=30)
    db.session.add(MetricaAgenteDia(fecha=vacio, usuario_id=mundo.u1.id,
                                    acreedor_id=mundo.a.id, gestiones=7))
    db.session.commit()
    assert calculo.calcular_dia(vacio) == {"agentes": 0, "acreedores": 0, "cartera": None}
    db.session.commit()
    assert filas_agentes(vacio) == {}
    assert len(filas_agentes(mundo.dia)) == 3
