"""The proactive escalation message speaks the customer's language and gives
its times in the customer's time zone, written as his language writes them."""

from odoo.tests import tagged

from .common import P1, EscalationCase, local

# Bronze P1, opened Monday 18 January 2027 at 09:00 Brussels: its resolution
# breaches on Wednesday at 17:00, when the customer message goes out.
OPENED = local(2027, 1, 18, 9, 0)
BREACHED = local(2027, 1, 20, 17, 0)
ADDONS = ["sla_contract", "sla_escalation"]

ENGLISH = (
    "Dear",
    "We want to update you on ticket",
    "regarding",
    "Our team has been working on this",
    "reviewed your request",
    "We have escalated this to",
    "support management and your account manager",
    "to ensure we resolve it as quickly as possible",
    "Your updated expected resolution time is",
    "will follow up with you by",
    "PM",
    "AM",
)


@tagged("post_install", "-at_install")
class TestEscalationMessageLanguage(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("fr_FR", "de_DE"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(ADDONS, ["fr_FR", "de_DE"])
        company = cls.customers["Bronze"]
        cls.contacts = {
            lang: cls.env["res.partner"].create(
                {
                    "name": name,
                    "parent_id": company.id,
                    "email": f"{lang}@customer.example.com",
                    "lang": lang,
                    "tz": tz,
                }
            )
            for lang, name, tz in (
                ("fr_FR", "Camille Durand", "America/New_York"),
                ("de_DE", "Jonas Weber", "Europe/Berlin"),
            )
        }

    def customer_message(self, lang):
        ticket = self.open_ticket(
            "Bronze",
            P1,
            OPENED,
            name="Passerelle mail en panne",
            partner_id=self.contacts[lang].id,
        )
        self.run_job(BREACHED)
        message = self.fired(ticket)["resolution_100"].customer_message_id
        self.assertTrue(message)
        return ticket, message, " ".join(message.body.split())

    def test_french_customer_reads_french_in_his_time_zone(self):
        ticket, message, body = self.customer_message("fr_FR")
        self.assertEqual(
            message.subject,
            f"Point sur votre ticket n° {ticket.number} : Passerelle mail en panne",
        )
        for expected in (
            "Bonjour Camille Durand,",
            f"tenir informé de l'avancement du ticket n° {ticket.number}",
            "concernant Passerelle mail en panne.",
            "Notre équipe y travaille et a examiné votre demande et l'étudie "
            "activement.",
            "Nous avons transmis ce ticket à la direction du support et votre "
            "responsable de compte afin de le résoudre le plus rapidement possible.",
            # 15:00 in Brussels is 09:00 in New York, written 21/01/2027 09:00
            "La nouvelle date de résolution prévue est 21/01/2027 09:00 "
            "(America/New_York).",
            # two business hours after 17:00 on Wednesday: 11:00 in Brussels
            "Account Manager reviendra vers vous d'ici 21/01/2027 05:00 "
            "(America/New_York).",
        ):
            self.assertIn(expected, body.replace("&#39;", "'"))
        left = [sentence for sentence in ENGLISH if sentence in body]
        self.assertFalse(left, f"English left for a French customer: {left}")
        mail = self.env["mail.mail"].search(
            [
                ("mail_message_id", "=", message.id),
                ("recipient_ids", "in", self.contacts["fr_FR"].ids),
            ]
        )
        self.assertIn("Bonjour Camille Durand", mail.body_html)

    def test_german_smoke(self):
        _ticket, message, body = self.customer_message("de_DE")
        self.assertTrue(message.subject.startswith("Neuigkeiten zu Ihrem Ticket"))
        for expected in (
            "Guten Tag Jonas Weber,",
            "Unser Team arbeitet daran und hat Ihre Anfrage geprüft",
            "an die Support-Leitung und Ihren Kundenbetreuer eskaliert",
            # Berlin and Brussels share their time: 15:00, in German
            "Lösungszeit ist 21.01.27, 15:00 (Europe/Berlin).",
        ):
            self.assertIn(expected, body)
        left = [sentence for sentence in ENGLISH if sentence in body]
        self.assertFalse(left, f"English left for a German customer: {left}")
