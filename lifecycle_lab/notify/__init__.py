"""Notifications: webhooks told when a rerun verdict changes, a gate opens or closes, a sign-off goes
outdated, or a revalidation becomes overdue.

``events`` holds the pure rules, ``webhooks`` the delivery, ``watch`` the glue the service calls around
its actions. Kept free of imports here: the manifest reads ``webhooks``' schema.
"""
