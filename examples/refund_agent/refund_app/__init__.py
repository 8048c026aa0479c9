"""Acme Home's refund agent: a support agent that looks up orders, refunds them and e-mails customers.

A small but real agent: :mod:`refund_app.agent` is the tool-calling loop, :mod:`refund_app.llm` the model
call (OpenAI in production) and :mod:`refund_app.tools` the tools. It has the production bug that
pytest-agenttrace's demo is about, and its fix behind the ``REFUND_APP_FIXED=1`` switch.
"""
