"""Legal referral: rules and requests, the legal queue, court tracking, the expediente."""
