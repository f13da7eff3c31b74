"""OpenNRM: a digital National Referral Mechanism against trafficking in human beings."""
